"""``dos init --skills``: each host's own format, idempotent, and ``--remove`` gives back exactly what was there."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from dos.service import skills
from tests.conftest import Repo
from tests.skills.skillkit import base_workspace, dos

PACK = skills.pack()


def tree(root: Path) -> dict[str, str]:
    """Every file under ROOT (but .git) with its text, and every directory (as '<dir>')."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if rel.parts[0] == ".git":
            continue
        out[str(rel)] = p.read_text() if p.is_file() else "<dir>"
    return out


def test_each_host_gets_its_own_format(repo: Repo) -> None:
    root = base_workspace(repo)
    for host, where in (("claude-code", ".claude/skills/dos-dispatch/SKILL.md"), ("codex", "AGENTS.md"),
                        ("gemini", "GEMINI.md"), ("cursor", ".cursor/rules/dos-dispatch.mdc"),
                        ("antigravity", ".agents/skills/dos-dispatch/SKILL.md"),
                        ("cursor-cli", ".cursor/rules/dos-dispatch.mdc")):  # an alias: its host's format
        got = dos(root, "init", "--hooks", host, "--skills", "--dry-run")
        assert got.returncode == 0, got.stderr
        assert f"would write {where}" in got.stdout, (host, got.stdout)
    assert not (root / "AGENTS.md").exists(), "--dry-run writes nothing"


def test_every_registered_host_has_a_format() -> None:
    """A host added to the wiring registry gets skills (its declared format, else AGENTS.md) with no change here."""
    from dos.service.wiring_base import SPECS

    for host in SPECS:
        assert skills.format_for(host) in skills.FORMATS
    assert skills.format_for("some-new-agent") == "agents-md"


def test_the_core_set_the_named_ones_and_all(repo: Repo) -> None:
    root = base_workspace(repo)
    assert dos(root, "init", "--hooks", "claude-code", "--no-hooks", "--skills").returncode == 2, \
        "--no-hooks contradicts --hooks"
    assert dos(root, "init", "--skills").returncode == 0
    core = set(skills.installed(root)["claude-skills"])
    assert core == set(skills.CORE)
    assert dos(root, "init", "--skill", "dos-recover").returncode == 0
    assert set(skills.installed(root)["claude-skills"]) == core | {"dos-recover"}
    assert dos(root, "init", "--all").returncode == 0
    assert set(skills.installed(root)["agents-md"]) == set(PACK)


def test_an_unknown_skill_is_refused_and_nothing_is_written(repo: Repo) -> None:
    root = base_workspace(repo)
    before = tree(root)
    got = dos(root, "init", "--skill", "dos-dispatch", "--skill", "dos-promote")
    assert got.returncode == 2 and "dos-promote" in got.stderr and "dos-dispatch" in got.stderr
    assert "Traceback" not in got.stderr
    assert tree(root) == before


def test_install_twice_changes_nothing_and_remove_gives_back_the_tree(repo: Repo) -> None:
    root = base_workspace(repo)
    (root / "AGENTS.md").write_text("# House rules\n\nRun the tests before pushing.")  # no final newline
    (root / "GEMINI.md").write_text("Be brief.\n")
    mine = root / ".claude" / "skills" / "my-own" / "SKILL.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nname: my-own\ndescription: mine\n---\n\n# Mine\n")
    before = tree(root)
    assert dos(root, "init", "--all").returncode == 0
    once = tree(root)
    again = dos(root, "init", "--all")
    assert again.returncode == 0 and "up to date" in again.stdout
    assert tree(root) == once, "a second install writes nothing"
    assert once["AGENTS.md"].startswith("# House rules\n\nRun the tests before pushing.")
    removed = dos(root, "init", "--skills", "--remove")
    assert removed.returncode == 0, removed.stderr
    assert tree(root) == before, "removal leaves the user's text and files exactly as they were"


def test_an_edited_copy_is_kept_until_force(repo: Repo) -> None:
    root = base_workspace(repo)
    assert dos(root, "init", "--skills").returncode == 0
    skill = root / ".claude" / "skills" / "dos-deny" / "SKILL.md"
    skill.write_text(skill.read_text().replace("read it, do not fight it", "read it twice"))
    agents = root / "AGENTS.md"
    agents.write_text(agents.read_text().replace("Pick the next unit", "Pick the next unit, carefully"))
    edited = (skill.read_text(), agents.read_text())
    kept = dos(root, "init", "--skills")
    assert kept.returncode == 0 and "kept .claude/skills/dos-deny/SKILL.md" in kept.stdout
    assert "kept AGENTS.md (dos-next-up)" in kept.stdout
    assert (skill.read_text(), agents.read_text()) == edited
    gone = dos(root, "init", "--skills", "--remove")
    assert gone.returncode == 0 and skill.read_text() == edited[0], "an edited copy survives --remove"
    assert "Pick the next unit, carefully" in agents.read_text()
    assert ">>> dos skill dos-dispatch >>>" not in agents.read_text(), "the unedited sections went"
    forced = dos(root, "init", "--skills", "--remove", "--force")
    assert forced.returncode == 0
    assert not skill.exists() and not agents.exists()


def test_an_older_unedited_copy_is_updated(repo: Repo) -> None:
    """A copy DOS wrote (its marker matches its text) but from another version is brought up to date."""
    root = base_workspace(repo)
    skill = PACK["dos-dispatch"]
    fmt = skills.FORMATS["claude-skills"]
    old = skills.render_file(skills.Skill(skill.name, skill.description, "# Older\n\nOlder words.\n"), fmt)
    path = fmt.path(root, skill.name)
    path.parent.mkdir(parents=True)
    path.write_text(old)
    assert skills.file_is_unedited(old)
    got = dos(root, "init", "--skill", "dos-dispatch")
    assert got.returncode == 0 and "update dos-dispatch" in got.stdout
    assert path.read_text() == skills.render_file(skill, fmt)


def test_a_broken_section_marker_is_one_line_naming_the_file(repo: Repo) -> None:
    root = base_workspace(repo)
    assert dos(root, "init", "--skills").returncode == 0
    agents = root / "AGENTS.md"
    agents.write_text("\n".join(ln for ln in agents.read_text().splitlines() if "<<< dos skill dos-deny" not in ln))
    got = dos(root, "init", "--skills", "--remove")
    assert got.returncode == 2 and "AGENTS.md" in got.stderr and "dos-deny" in got.stderr
    assert "Traceback" not in got.stderr


def test_without_any_host_the_skills_go_to_claude_code_and_agents_md(make_repo) -> None:
    repo = make_repo("bare")
    repo.write("src/a.py")
    repo.commit("x")
    got = dos(repo.path, "init", "--skills", env={"PATH": "/usr/bin:/bin"})
    assert got.returncode == 0, got.stderr
    assert set(skills.installed(repo.path)) == {"claude-skills", "agents-md"}
    assert (repo.path / "dos.toml").is_file(), "like the reference, --skills scaffolds a missing dos.toml"


def test_skills_refuse_user_scope(repo: Repo) -> None:
    root = base_workspace(repo)
    got = dos(root, "init", "--skills", "--hooks", "claude-code", "--scope", "user")
    assert got.returncode == 2 and "--scope user" in got.stderr


# --------------------------------------------------------------------------- the pure section editor


SECTIONS = [(s.name, skills.section_inner(s)) for s in PACK.values()]
user_text = st.text(alphabet=st.sampled_from("ab #-\n"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(user_text, st.lists(st.sampled_from(range(len(SECTIONS))), max_size=6),
       st.lists(st.sampled_from(range(len(SECTIONS))), max_size=6), st.text(alphabet="xy\n", max_size=8))
def test_removing_every_section_gives_the_users_text_back(text: str, first: list[int], later: list[int],
                                                          tail: str) -> None:
    """Any user text; sections added in two rounds, user text typed after them; remove all: the user's text."""
    added, _, _ = skills.edit_sections(text, [SECTIONS[i] for i in first], remove=False)
    again, changed, _ = skills.edit_sections(added, [SECTIONS[i] for i in first], remove=False)
    assert (again, changed) == (added, []), "idempotent"
    more, _, _ = skills.edit_sections(added, [SECTIONS[i] for i in later], remove=False)
    back, _, _ = skills.edit_sections(more, SECTIONS, remove=True)
    assert back == text
    if not tail:
        return
    typed = more + tail  # the user writes below DOS's sections; their text survives the removal
    cut, _, _ = skills.edit_sections(typed, SECTIONS, remove=True)
    assert cut.startswith(text.rstrip("\n")) and cut.endswith(tail.lstrip("\n")) or not tail.strip("\n")
    assert "dos skill" not in cut


def test_the_commands_json_of_a_section_and_a_file_agree() -> None:
    """AGENTS.md and SKILL.md show an agent the same commands (one source, rendered twice)."""
    for s in PACK.values():
        file_cmds = skills.commands(skills.render_file(s, skills.FORMATS["claude-skills"]))
        section_cmds = skills.commands(skills.section_inner(s))
        assert json.dumps([c.line for c in file_cmds]) == json.dumps([c.line for c in section_cmds])
