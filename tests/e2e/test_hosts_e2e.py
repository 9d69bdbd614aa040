"""Real agent CLIs, a scripted fake model on 127.0.0.1, and DOS's own hook wiring.

Each test builds a git workspace with ``dos init`` (lanes ``api`` and ``web``), has bob
hold ``api`` from another session, wires hooks with the product's installer (or
``dos guard``), then runs the real CLI non-interactively with HOME in a temp dir and a
PATH without the venv. The fake model asks for one write with the host's native tool;
the test then reads the file system and what the CLI told the model next.

Project-scope wiring of Codex and Gemini writes the portable command (the files are
usually committed), which runs ``dos-hook`` from PATH: those runs get a pipx-like
directory holding only ``dos-hook``. User-scope wiring and Claude Code's
``settings.local.json`` hold this machine's absolute command and get no such help.

Every assertion states the correct behaviour. Where a host cannot do something the test
asserts the documented limitation instead (see docs/hosts.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from e2ekit import (DOS, HOLDER, HOSTS, Run, Workspace, codex_list_hooks, dos, dynamic, git, host_user_env, run_host,
                    say, wire)

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
NOT_ON_PATH = "dos-hook is not on PATH"
REFUSED = "git has no commit backing it"  # the stop hook's reason while a claim does not verify


def host_params() -> list:
    return [pytest.param(name, id=name) for name in HOSTS]


# --------------------------------------------------------------------------- assertions


def assert_denied_naming_holder(run: Run, target: Path) -> None:
    assert not target.exists(), f"{target} was written although {HOLDER} holds its lane{run.report()}"
    told = run.result_for(HOLDER)
    assert told is not None and "DOS" in told["text"], \
        f"the model was never told DOS's deny reason naming {HOLDER!r}{run.report()}"
    noise = run.host.failure_noise(run.proc)
    assert not noise, f"the deny surfaced as a failed hook, not a clean block: {noise}{run.report()}"


def assert_allowed(run: Run, target: Path) -> None:
    assert target.exists() and target.read_text() == CONTENT, f"{target} was not written{run.report()}"
    res = run.results()
    assert res and not any(HOLDER in r["text"] or "DOS:" in r["text"] for r in res), \
        f"the allowed write was answered with a refusal{run.report()}"
    noise = run.host.failure_noise(run.proc)
    assert not noise, f"the host reports a failed hook on an allowed write: {noise}{run.report()}"


def one_write(ws: Workspace, host_name: str, target: Path) -> list:
    host = HOSTS[host_name]
    return [host.write(ws, target, CONTENT), say("Finished.")]


# --------------------------------------------------------------------------- (a) (b) (c): dos init --hooks


@pytest.mark.parametrize("host_name", host_params())
def test_write_into_held_lane_is_denied_naming_holder(host_name: str, ws: Workspace, agent_clis) -> None:
    """(a) The model asks to write api/a.py while bob holds api: denied, the model told why, no file."""
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    wire(ws, host, exe)
    target = ws.path("api/a.py")
    run = run_host(host, exe, ws, one_write(ws, host_name, target))
    assert_denied_naming_holder(run, target)


@pytest.mark.parametrize("host_name", host_params())
def test_write_into_free_lane_is_allowed(host_name: str, ws: Workspace, agent_clis) -> None:
    """(b) The model writes web/b.py, which nobody holds: the hook lets it through."""
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    wire(ws, host, exe)
    target = ws.path("web/b.py")
    run = run_host(host, exe, ws, one_write(ws, host_name, target))
    assert_allowed(run, target)


@pytest.mark.parametrize("host_name", host_params())
def test_write_outside_workspace_is_denied(host_name: str, ws: Workspace, agent_clis) -> None:
    """(c) The model writes a file outside the workspace: denied, and the model is told it is outside.

    Claude Code and Codex run with their own gates off, so the refusal must be DOS's.
    Gemini refuses such a path itself before any BeforeTool hook runs; either refusal counts.
    """
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    wire(ws, host, exe)
    target = ws.outside / "c.py"
    run = run_host(host, exe, ws, one_write(ws, host_name, target))
    assert not target.exists(), f"{target} (outside the workspace) was written{run.report()}"
    told = run.result_for("outside")
    assert told is not None, f"the model was not told the path is outside the workspace{run.report()}"
    if host_name != "gemini":
        assert "DOS" in told["text"], f"the refusal was not DOS's: {told['text']!r}{run.report()}"


# --------------------------------------------------------------------------- (d): dos guard


@pytest.mark.parametrize("host_name", host_params())
def test_guard_denies_write_into_held_lane(host_name: str, ws: Workspace, agent_clis) -> None:
    """(d) ``dos guard -- HOST ...`` with no ``dos init --hooks``: the same deny as (a), for that run only.

    Nothing lands in the workspace, and the user's own settings are left as they were
    (Codex records its review of DOS's session hooks in its own review store, as /hooks would).
    """
    host = HOSTS[host_name]
    target = ws.path("api/a.py")
    settings = ws.home / ".gemini" / "settings.json"
    snapshot: dict[str, str] = {}

    def remember(_fake) -> None:
        if settings.exists():
            snapshot["gemini"] = settings.read_text()

    run = run_host(host, agent_clis[host.exe], ws, one_write(ws, host_name, target), guard=True,
                   dos_hook_on_path=False, before=remember)
    assert_denied_naming_holder(run, target)
    assert not (ws.root / ".claude").exists() and not (ws.root / ".codex").exists() \
        and not (ws.root / ".gemini").exists(), "dos guard touched the workspace config"
    if host_name == "gemini":
        assert settings.read_text() == snapshot["gemini"], "dos guard changed ~/.gemini/settings.json"
        assert not list((ws.home / "tmp").glob("dos-guard-gemini-*")), "the run's Gemini home was left behind"


# --------------------------------------------------------------------------- the venv is not on the agent's PATH


@pytest.mark.parametrize("host_name", host_params())
def test_hooks_wired_from_activated_venv_run_without_it(host_name: str, ws: Workspace, agent_clis) -> None:
    """Wired from an activated venv, run from a shell with no DOS at all on PATH.

    Claude Code's machine-local file holds the absolute command: api/a.py is denied naming
    bob and web/b.py is written. Codex's and Gemini's project files are committed, so they
    hold the portable command: with no ``dos-hook`` on PATH every tool call is refused with
    the one line naming the fix (fail closed, never exit 127), and the stop hook exits 0,
    so Gemini is not trapped in a stop loop.
    """
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    wire(ws, host, exe, activated=True)
    held, free = ws.path("api/a.py"), ws.path("web/b.py")
    script = [host.write(ws, held, CONTENT), host.write(ws, free, CONTENT), say("Finished.")]
    run = run_host(host, exe, ws, script, dos_hook_on_path=False)
    assert not held.exists(), f"{held} was written although {HOLDER} holds its lane{run.report()}"
    if host_name == "claude-code":
        told = run.result_for(HOLDER)
        assert told is not None and "DOS" in told["text"], f"no DOS deny naming {HOLDER} reached the model" \
            f"{run.report()}"
        assert free.exists() and free.read_text() == CONTENT, f"{free} (a free lane) was not written{run.report()}"
        return
    assert not free.exists(), f"{free} was written by a hook that could not run{run.report()}"
    fix = [r for r in run.results() if NOT_ON_PATH in r["text"]]
    assert len(fix) >= 2, f"the model was not told, for each call, the one line naming the fix{run.report()}"
    assert "dos init --hooks" in fix[0]["text"] and "127" not in fix[0]["text"], run.report()
    assert run.proc.returncode == 0, f"the host did not end normally (a stop loop?){run.report()}"
    assert len(run.fake.main_requests()) <= 4, f"the stop hook held the session open{run.report()}"


# --------------------------------------------------------------------------- user scope


@pytest.mark.parametrize("host_name", host_params())
def test_user_scope_install_denies_with_no_dos_on_path(host_name: str, ws: Workspace, agent_clis) -> None:
    """``dos init --hooks HOST --scope user`` (absolute command in the user's own file) denies with no DOS on PATH.

    Claude Code is started in a subdirectory (web/): the user-scope hook finds the
    workspace by walking up to its dos.toml. Nothing is written into the workspace.
    """
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    out = wire(ws, host, exe, scope="user")
    assert "--scope user" not in out or "wired" in out, out
    target = ws.path("api/a.py")
    cwd = ws.path("web") if host_name == "claude-code" else None
    run = run_host(host, exe, ws, one_write(ws, host_name, target), dos_hook_on_path=False, cwd=cwd)
    assert_denied_naming_holder(run, target)
    assert not any((ws.root / d).exists() for d in (".claude", ".codex", ".gemini")), "user scope wrote the workspace"


def test_user_scope_remove_restores_the_user_file(ws: Workspace, agent_clis) -> None:
    """``--remove`` takes out exactly what ``--scope user`` added (Codex: the hooks and DOS's reviews)."""
    host, exe = HOSTS["codex"], agent_clis["codex"]
    config = host.codex_home(ws) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    original = '# my settings\nmodel = "gpt-5.5"  # pinned\n\n[features]\nweb_search = true\n'
    config.write_text(original)
    wire(ws, host, exe, scope="user")
    assert "trusted_hash" in config.read_text()
    listed = codex_list_hooks(exe, ws, host)
    dos_hooks = [h for h in listed if "dos.hooks" in (h.get("command") or "")]
    assert dos_hooks and all(h["trustStatus"] == "trusted" for h in dos_hooks), listed
    wire(ws, host, exe, scope="user", extra=["--remove"])
    assert config.read_text() == original


# --------------------------------------------------------------------------- Codex: trust and review


def test_codex_init_trusts_the_project_and_reviews_only_dos_hooks(ws: Workspace, agent_clis) -> None:
    """A user who never trusted the repo, with an unreviewed hook of their own: DOS trusts the project,
    reviews its own hooks only (never the user's), and (a) holds without any bypass flag."""
    host, exe = HOSTS["codex"], agent_clis["codex"]
    (ws.root / ".codex").mkdir()
    (ws.root / ".codex" / "config.toml").write_text(
        '# mine\n[[hooks.PostToolUse]]\nhooks = [{type = "command", command = "true mine"}]\n')
    out = wire(ws, host, exe)
    assert "reviewed" in out, out
    target = ws.path("api/a.py")
    listed: list = []

    def look(_fake) -> None:
        listed.extend(codex_list_hooks(exe, ws, host))

    run = run_host(host, exe, ws, one_write(ws, "codex", target), trust_project=False, before=look)
    mine = [h for h in listed if h.get("command") == "true mine"]
    ours = [h for h in listed if "dos-hook" in (h.get("command") or "")]
    assert mine and mine[0]["trustStatus"] == "untrusted", listed
    assert ours and all(h["trustStatus"] == "trusted" for h in ours), listed
    assert {h["eventName"] for h in ours} >= {"preToolUse", "postToolUse", "stop", "sessionStart"}, listed
    assert_denied_naming_holder(run, target)
    removed = wire(ws, host, exe, extra=["--remove"])
    assert "review/trust record" in removed, removed
    text = (host.codex_home(ws) / "config.toml").read_text()
    assert str(ws.root / ".codex") not in text and "trust_level" not in text.split("# <<< e2e user config <<<")[-1]


# --------------------------------------------------------------------------- stop gate and session start


@pytest.mark.parametrize("host_name", host_params())
def test_stop_is_refused_until_dos_verify_agrees(host_name: str, ws: Workspace, agent_clis) -> None:
    """Session-start context reaches the model (it names the session); ``dos claim`` for that session makes the
    stop hook refuse "done" until a commit stamps the phase, and then lets the session end."""
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    wire(ws, host, exe)
    seen: dict[str, object] = {}

    def turn(text: str):
        if REFUSED not in text:
            m = re.search(r"--session ([\w.:-]+)", text)
            if m is None:
                seen["no_context"] = True
                return say("No DOS context reached me.")
            seen["context"] = "DOS referees this repository" in text and HOLDER in text
            seen["session"] = m.group(1)
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", m.group(1))
            return say("AUTH1 is shipped.")
        seen["refused"] = seen.get("refused", 0) + 1  # type: ignore[operator]
        if not seen.get("committed"):
            git(ws.root, "commit", "-q", "--allow-empty", "-m", "AUTH1: ship the login")
            seen["committed"] = True
        return say("Committed AUTH1; it verifies now.")

    run = run_host(host, exe, ws, [dynamic(turn)])
    assert seen.get("session") and seen.get("context"), f"no session-start context reached the model {seen}" \
        f"{run.report()}"
    assert seen.get("refused") == 1, f"the stop was not refused exactly once before the commit: {seen}{run.report()}"
    assert run.proc.returncode == 0, f"the host did not end once the claim verified{run.report()}"
    assert dos(ws.root, "verify", "AUTH", "AUTH1", check=False).returncode == 0
    assert len(run.fake.main_requests()) <= 3, f"the stop was refused after the claim verified{run.report()}"


# --------------------------------------------------------------------------- selftest on a broken wiring


def test_selftest_fails_on_a_wiring_the_host_would_let_through(ws: Workspace, agent_clis) -> None:
    """A command pointing at a missing interpreter: selftest fails naming the fix, and Claude Code (which
    reads exit 127 as a non-blocking error) really lets the write through. ``--force`` repairs it."""
    host, exe = HOSTS["claude-code"], agent_clis["claude"]
    wire(ws, host, exe)
    path = ws.root / ".claude" / "settings.local.json"
    data = json.loads(path.read_text())
    for groups in data["hooks"].values():
        for g in groups:
            for h in g["hooks"]:
                h["command"] = re.sub(r"^\S+", "/nonexistent/bin/python3", h["command"])
    path.write_text(json.dumps(data, indent=2))
    env = host_user_env(ws, host)
    st = dos(ws.root, "hook", "selftest", "claude-code", check=False, env=env)
    assert st.returncode == 1 and "FAILED" in st.stdout and "cannot run" in st.stdout, st.stdout + st.stderr
    assert "--force" in st.stdout and "let every write through" in st.stdout, st.stdout
    target = ws.path("api/a.py")
    run = run_host(host, exe, ws, one_write(ws, "claude-code", target))
    assert target.exists(), f"Claude Code blocked on exit 127 (the finding changed){run.report()}"
    target.unlink()
    wire(ws, host, exe, extra=["--force"])
    ok = dos(ws.root, "hook", "selftest", "claude-code", check=False, env=env)
    assert ok.returncode == 0 and ok.stdout.startswith("OK"), ok.stdout + ok.stderr
    assert str(DOS.parent) in path.read_text()
