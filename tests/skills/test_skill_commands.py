"""Every installed skill parses, and every ``dos`` command it shows runs, in a real workspace, with the exit
code its own comment declares (checked against ``dos.exitcodes`` where it names a token).

Each playbook gets a fresh workspace in the state it starts from (a real git repository with a
dos.toml, a plan doc and a declared run): its commands then run in order, through /bin/sh, as an
agent would run them. A command of a verb that does not exist fails here; nothing is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
import yaml

from dos.cli._registry import VERBS
from dos.exitcodes import EXIT_CODES, exit_code
from dos.service import skills
from tests.conftest import Repo
from tests.skills.skillkit import base_workspace, declare_run, dos, run_line, shim

SESSION = "sess-me"
PACK = skills.pack()


# --------------------------------------------------------------------------- the state each playbook starts in


def _dispatch(root: Path, repo: Repo) -> dict[str, str]:
    rid, _ = declare_run(root, ("a",), SESSION)
    return {"LANE": "src", "RUN_ID": rid}


def _next_up(root: Path, repo: Repo) -> dict[str, str]:
    return {"PLAN_DOC": "docs/auth-plan.md", "PLAN": "AUTH", "PHASE": "AUTH2"}


def _claim_verify(root: Path, repo: Repo) -> dict[str, str]:
    rid, token = declare_run(root, ("a",), SESSION)
    repo.commit("AUTH AUTH2: session store", {"src/sessions.py": "store\n"})  # the work, committed
    return {"PLAN": "AUTH", "PHASE": "AUTH2", "RUN_ID": rid, "STEP": "a", "DOS_INTENT_TOKEN": token}


def _deny(root: Path, repo: Repo) -> dict[str, str]:
    assert dos(root, "lease-lane", "acquire", "--lane", "docs", "--owner", "agentB", "--session", "sess-B"
               ).returncode == 0
    return {}


def _dispatch_loop(root: Path, repo: Repo) -> dict[str, str]:
    rid, _ = declare_run(root, ("a", "b"), SESSION)
    return {"LANE": "src", "RUN_ID": rid}


def _recover(root: Path, repo: Repo) -> dict[str, str]:
    rid, token = declare_run(root, ("a", "b"), SESSION)
    transcript = root / "transcript.jsonl"
    transcript.write_text('{"role": "user", "text": "add sessions"}\n{"role": "assistant", "text": "on it"}\n'
                          '{"role": "assistant", "text": "retrying the same thing"}\n')
    got = dos(root, "intent", "suspend", "--run-id", rid, "--reason", "crashed", "--transcript", str(transcript),
              "--checkpoint-turn", "1", "--session", SESSION, env={"DOS_INTENT_TOKEN": token})
    assert got.returncode == 0, got.stdout + got.stderr
    return {"RUN_ID": rid, "DOS_INTENT_TOKEN": token}


def _unstick(root: Path, repo: Repo) -> dict[str, str]:
    rid, _ = declare_run(root, ("a",), "sess-B")
    got = dos(root, "lease-lane", "acquire", "--lane", "src", "--owner", "agentB", "--session", "sess-B",
              "--run-id", rid)
    assert got.returncode == 0, got.stderr
    return {"LANE": "src", "RUN_ID": rid}


def _supervise(root: Path, repo: Repo) -> dict[str, str]:
    rid, _ = declare_run(root, ("a",), "sess-B")
    assert dos(root, "lease-lane", "acquire", "--lane", "src", "--owner", "agentB", "--session", "sess-B",
               "--run-id", rid).returncode == 0
    return {"RUN_ID": rid}


SCENARIOS: dict[str, Callable[[Path, Repo], dict[str, str]]] = {
    "dos-dispatch": _dispatch, "dos-next-up": _next_up, "dos-claim-verify": _claim_verify, "dos-deny": _deny,
    "dos-dispatch-loop": _dispatch_loop, "dos-recover": _recover, "dos-unstick": _unstick,
    "dos-supervise-loop": _supervise,
}


def test_every_playbook_in_the_pack_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(PACK), "a new playbook needs the workspace state its commands start from"


# --------------------------------------------------------------------------- installed, parsed, run


def installed_everywhere(root: Path) -> dict[str, dict[str, str]]:
    got = dos(root, "init", "--all")
    assert got.returncode == 0, got.stdout + got.stderr
    found = skills.installed(root)
    assert set(found) == set(skills.FORMATS), f"every host directory is present, so every format: {sorted(found)}"
    assert all(set(v) == set(PACK) for v in found.values()), found
    return found


def check_front_matter(fmt: str, name: str, text: str) -> None:
    if skills.FORMATS[fmt].kind == "sections":
        assert text.startswith("## DOS: ") and f"(`{name}`)" in text.splitlines()[0]
        return
    meta, body = skills.parse_front_matter(text, f"{fmt}/{name}")
    assert isinstance(meta.get("description"), str) and 20 < len(meta["description"]) <= 1024, meta
    if fmt == "cursor-rules":
        assert meta.get("alwaysApply") is False and "globs" in meta, meta
    else:
        assert meta.get("name") == name and re.fullmatch(r"[a-z0-9-]{1,64}", name), meta
    assert body.lstrip().startswith("# "), "the playbook opens with its title"
    assert yaml.safe_load(text.split("---\n")[1]) == meta


@pytest.mark.parametrize("name", sorted(PACK))
def test_an_installed_playbook_parses_and_every_command_it_shows_runs(name: str, repo: Repo, tmp_path: Path) -> None:
    root = base_workspace(repo)
    found = installed_everywhere(root)
    for fmt, by_name in found.items():
        check_front_matter(fmt, name, by_name[name])
    claude = found["claude-skills"][name]
    shown = skills.commands(claude, name)
    assert shown, f"{name} shows no dos command"
    for fmt, by_name in found.items():
        assert [c.line for c in skills.commands(by_name[name], name)] == [c.line for c in shown], \
            f"{fmt} shows other commands than Claude Code's copy"
    env = {"SESSION": SESSION, **SCENARIOS[name](root, repo)}
    bin_dir = shim(tmp_path / "bin")
    for cmd in shown:
        assert cmd.code is not None, f"{name}: `{cmd.line}` declares no `# exit N`"
        got = run_line(root, cmd.line, env, bin_dir)
        assert got.returncode == cmd.code, (f"{name}: `{cmd.line}` exited {got.returncode}, the playbook says "
                                            f"{cmd.code}\n{got.stdout[-1500:]}\n{got.stderr[-1500:]}")
        assert "Traceback" not in got.stderr, got.stderr


# --------------------------------------------------------------------------- what the source declares


def test_every_declared_exit_matches_the_exit_code_table() -> None:
    for skill in PACK.values():
        for cmd in skills.commands(skill.body, skill.name):
            assert cmd.code is not None, f"{skill.name}: `{cmd.line}` has no `# exit N` comment"
            assert not cmd.line.endswith("\\"), f"{skill.name}: `{cmd.line}` continues; keep a command on one line"
            if cmd.token:
                key = cmd.verb_key
                assert key, f"{skill.name}: `{cmd.line}` names token {cmd.token} but its verb has no table row"
                assert cmd.token in EXIT_CODES[key] or cmd.token.lower() in EXIT_CODES[key], (key, cmd.token)
                assert exit_code(key, cmd.token) == cmd.code, (skill.name, cmd.line, key, cmd.token)


INLINE = re.compile(r"`dos ([a-z][a-z-]*)")


def test_every_verb_a_playbook_names_in_its_prose_exists() -> None:
    """Prose mentions (`dos verb ...`) too: a renamed or missing verb fails here."""
    for skill in PACK.values():
        for verb in INLINE.findall(skill.body):
            if verb in ("init",) or verb.startswith("dos-"):
                continue
            assert verb in VERBS, f"{skill.name} mentions `dos {verb}`, which is not a verb"


def test_cross_references_name_playbooks_in_the_pack() -> None:
    for skill in PACK.values():
        for ref in re.findall(r"`(dos-[a-z-]+)`", skill.body):
            assert ref in PACK, f"{skill.name} refers to {ref}, which the pack does not ship"


def test_the_supervisors_default_launch_command_names_a_shipped_playbook() -> None:
    from dos.config.schema import SuperviseConfig

    template = SuperviseConfig().worker_launch_template
    assert template.split()[0].lstrip("/") in PACK


def test_the_package_data_rule_covers_every_playbook() -> None:
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["dos"]
    base = root / "src" / "dos"
    for path in base.glob("skills/*/SKILL.md"):
        rel = str(path.relative_to(base))
        assert any(fnmatch.fnmatch(rel, pat) for pat in data), rel


def test_no_dos_command_hides_where_the_runner_cannot_see_it() -> None:
    """A shell-block line that runs dos some other way (`x=$(dos ...)`, `| dos`) would go untested: none may."""
    for skill in PACK.values():
        fenced = False
        for line in skill.body.splitlines():
            if line.startswith("```"):
                fenced = not fenced
                continue
            text = line.strip()
            if fenced and re.search(r"(^|[^\w-])dos\s", text.split("#")[0]):
                assert text.startswith("dos "), f"{skill.name}: `{text}` runs dos where the test cannot run it"
