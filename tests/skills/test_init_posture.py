"""``dos init --posture``: one command sets the workspace up (dos.toml, hooks, MCP, skills), and the posture it
stores is what the hook it wired enforces, run as the host runs it, against another session's lease."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dos.config import load_config
from dos.service import skills
from dos.service.posture import POSTURES
from tests.conftest import Repo, dos_env
from tests.hooks.hookkit import enforce_events
from tests.skills.skillkit import DOS_TOML, PLAN_DOC, dos

NO_HOST_ON_PATH = {"PATH": "/usr/bin:/bin"}  # only the workspace's own directories mark a host


def claude_workspace(repo: Repo) -> Path:
    """Lanes src and docs, a plan doc, and a .claude directory (so Claude Code is the host found)."""
    repo.write("dos.toml", DOS_TOML)
    repo.write("src/app.py", "a\n")
    repo.write("docs/guide.md", "# guide\n")
    repo.write("docs/auth-plan.md", PLAN_DOC)
    repo.commit("layout")
    (repo.path / ".claude").mkdir()
    return repo.path


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] not in (".git", ".dos")}


def wired(root: Path, event: str) -> str:
    """The command `dos init` wired for Claude Code's EVENT."""
    data = json.loads((root / ".claude" / "settings.local.json").read_text())
    return data["hooks"][event][0]["hooks"][0]["command"]


def run_hook(root: Path, command: str, payload: dict) -> subprocess.CompletedProcess[str]:
    """COMMAND as Claude Code runs it: through a shell in the workspace, the event's JSON on stdin."""
    return subprocess.run(["/bin/sh", "-c", command], input=json.dumps(payload), cwd=root, text=True,
                          capture_output=True, env=dos_env({"CLAUDE_PROJECT_DIR": str(root)}), timeout=300)


def interventions(root: Path) -> list[tuple[str, str]]:
    return [(e.data["intervention"], e.data["token"]) for e in enforce_events(root)]


# Per posture: (pretool exit, what the agent is told, stop exit, what the store records).
EXPECTED = {
    "observe": (0, "", 0, [("OBSERVE", "COLLISION"), ("OBSERVE", "UNVERIFIED_CLAIM")]),
    "warn": (0, "additionalContext", 0, [("WARN", "COLLISION"), ("WARN", "UNVERIFIED_CLAIM")]),
    "block": (2, "permissionDecision", 0, [("DENY", "COLLISION"), ("WARN", "UNVERIFIED_CLAIM")]),
    "gate": (2, "permissionDecision", 2, [("DENY", "COLLISION"), ("DENY", "UNVERIFIED_CLAIM")]),
}


@pytest.mark.parametrize("posture", POSTURES)
def test_the_posture_init_stores_is_the_one_the_wired_hooks_enforce(repo: Repo, posture: str) -> None:
    root = claude_workspace(repo)
    got = dos(root, "init", "--posture", posture, env=NO_HOST_ON_PATH)
    assert got.returncode == 0, got.stdout + got.stderr
    assert load_config(root).hooks.posture == posture
    assert f"posture {posture}:" in got.stdout
    assert set(skills.installed(root)) == {"claude-skills"}, "Claude Code's own format, for the host found"
    assert "dos" in json.loads((root / ".mcp.json").read_text())["mcpServers"]
    assert dos(root, "lease-lane", "acquire", "--lane", "docs", "--owner", "agentB", "--session", "sess-B"
               ).returncode == 0, "another session holds docs"
    assert dos(root, "claim", "AUTH", "AUTH2", "--session", "sess-A").returncode == 0, "a claim git does not back"

    pre_code, told, stop_code, recorded = EXPECTED[posture]
    write = {"session_id": "sess-A", "cwd": str(root), "hook_event_name": "PreToolUse", "tool_name": "Write",
             "tool_input": {"file_path": str(root / "docs" / "guide.md"), "content": "mine now"}}
    pre = run_hook(root, wired(root, "PreToolUse"), write)
    assert pre.returncode == pre_code, (pre.stdout, pre.stderr)
    if told:
        out = json.loads(pre.stdout)["hookSpecificOutput"]
        assert told in out and "agentB" in json.dumps(out)
        assert ("permissionDecision" in out) == (posture in ("block", "gate")), "warn tells, never denies"
    else:
        assert pre.stdout == "", "observe tells the agent nothing"
    own = run_hook(root, wired(root, "PreToolUse"), {**write, "tool_input": {
        "file_path": str(root / "src" / "app.py"), "content": "free lane"}})
    assert (own.returncode, own.stdout) == (0, ""), "a write nobody else's lease covers is allowed"

    stop = run_hook(root, wired(root, "Stop"), {"session_id": "sess-A", "cwd": str(root), "hook_event_name": "Stop",
                                                "stop_hook_active": False})
    assert stop.returncode == stop_code, (stop.stdout, stop.stderr)
    if stop_code:
        assert json.loads(stop.stdout)["decision"] == "block" and "AUTH2" in stop.stdout
    else:
        assert stop.stdout == ""
    assert interventions(root) == recorded


def test_each_no_flag_leaves_out_its_part(repo: Repo) -> None:
    root = claude_workspace(repo)
    before = tree(root)
    got = dos(root, "init", "--posture", "block", "--no-hooks", "--no-mcp", "--no-skills", env=NO_HOST_ON_PATH)
    assert got.returncode == 0, got.stderr
    assert set(tree(root)) == set(before), "only dos.toml changes"
    assert load_config(root).hooks.posture == "block"

    assert dos(root, "init", "--posture", "block", "--no-hooks", env=NO_HOST_ON_PATH).returncode == 0
    assert not (root / ".claude" / "settings.local.json").exists()
    assert (root / ".mcp.json").is_file() and skills.installed(root)

    assert dos(root, "init", "--posture", "block", "--no-mcp", "--no-skills", env=NO_HOST_ON_PATH).returncode == 0
    assert (root / ".claude" / "settings.local.json").is_file()


def test_without_any_host_the_posture_is_set_and_the_note_says_how_to_wire_one(make_repo) -> None:
    repo = make_repo("bare")
    repo.write("src/a.py")
    repo.commit("x")
    explicit = dos(repo.path, "init", "--hooks", "auto", env=NO_HOST_ON_PATH)
    assert explicit.returncode == 2 and "no agent host found" in explicit.stderr, "--hooks auto asked for one"
    assert not (repo.path / "dos.toml").exists(), "refused before anything was written"
    got = dos(repo.path, "init", "--posture", "warn", env=NO_HOST_ON_PATH)
    assert got.returncode == 0, got.stderr
    assert "no agent host found" in got.stdout and "dos init --hooks HOST" in got.stdout
    assert load_config(repo.path).hooks.posture == "warn"
    assert set(skills.installed(repo.path)) == set(skills.FALLBACK_FORMATS)


def test_changing_the_posture_keeps_every_other_line_of_dos_toml(repo: Repo) -> None:
    root = claude_workspace(repo)
    mine = DOS_TOML + '\n# our own rule\n[hooks]\nstop_block_cap = 5  # a comment we keep\n'
    (root / "dos.toml").write_text(mine)
    flags = ("--no-hooks", "--no-mcp", "--no-skills")
    assert dos(root, "init", "--posture", "warn", *flags).returncode == 0
    text = (root / "dos.toml").read_text()
    assert text.startswith(mine.rstrip("\n")) and 'posture = "warn"' in text
    assert dos(root, "init", "--posture", "gate", *flags).returncode == 0
    assert (root / "dos.toml").read_text() == text.replace('"warn"', '"gate"')
    again = dos(root, "init", "--posture", "gate", *flags)
    assert again.returncode == 0 and 'already "gate"' in again.stdout
    assert load_config(root).hooks.stop_block_cap == 5


@pytest.mark.parametrize("args, says", [
    (("--posture", "block", "--no-hooks", "--hooks", "claude-code"), "--no-hooks contradicts"),
    (("--posture", "block", "--no-mcp", "--mcp", "claude-code"), "--no-mcp contradicts"),
    (("--posture", "block", "--no-skills", "--skills"), "--no-skills contradicts"),
    (("--no-skills",), "goes with --posture"),
    (("--posture", "gate", "--remove"), "--remove undoes"),
    (("--posture", "strict"), "invalid choice"),
])
def test_contradictory_flags_are_one_line_and_write_nothing(repo: Repo, args: tuple[str, ...], says: str) -> None:
    root = claude_workspace(repo)
    before = tree(root)
    got = dos(root, "init", *args, env=NO_HOST_ON_PATH)
    assert got.returncode == 2 and says in got.stderr, got.stderr
    assert "Traceback" not in got.stderr
    assert tree(root) == before


def test_a_dos_toml_that_does_not_parse_is_named_and_left_alone(repo: Repo) -> None:
    root = claude_workspace(repo)
    (root / "dos.toml").write_text("[hooks\nposture = \n")
    got = dos(root, "init", "--posture", "block", env=NO_HOST_ON_PATH)
    assert got.returncode == 2 and "dos.toml" in got.stderr and "Traceback" not in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
    assert (root / "dos.toml").read_text() == "[hooks\nposture = \n"
    assert not (root / ".claude" / "settings.local.json").exists(), "nothing is wired on a broken dos.toml"


def test_dry_run_says_what_the_posture_would_be_and_writes_nothing(repo: Repo) -> None:
    root = claude_workspace(repo)
    before = tree(root)
    got = dos(root, "init", "--posture", "observe", "--dry-run", env=NO_HOST_ON_PATH)
    assert got.returncode == 0, got.stderr
    assert 'would set [hooks] posture = "observe"' in got.stdout and "would write .claude/skills/" in got.stdout
    assert tree(root) == before
