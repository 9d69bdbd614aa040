"""The lean paths of ``dos verify`` and ``dos status``: what they load, and that they answer as the full paths do.

The flags parsed without argparse must equal argparse's reading of the same words; the
workspace found with ``os.path`` must be ``find_workspace``'s; the compiled dos.toml the
verify ladder reads must be the strict loader's. The import checks compare against the
modules a bare interpreter already holds, so a site ``.pth`` neither hides nor fakes a load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dos.cli import build_verb_parser
from dos.cli.status import LEAN_status
from dos.cli.truth import LEAN_verify
from tests.conftest import Repo, dos_env

# What a verdict verb's start-up must never pay for (issue 12 item 5; issue 17's status bench).
BANNED = ("argparse", "pathlib", "typing", "subprocess", "threading", "tomllib", "dataclasses", "inspect",
          "urllib", "urllib.parse", "ipaddress", "shutil", "json", "yaml", "dos.config", "dos.config.loader",
          "dos.service.context", "dos.store.leases", "dos.plugins", "sqlite3")
RID = "RID-1M8VF35AG2SZP00"


def _loaded(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """(exit code, modules ``main(ARGV)`` added to a bare interpreter's)."""
    code = ("import sys\nbefore = set(sys.modules)\nfrom dos.cli import main\ncode = main(%r)\n"
            "sys.stdout.flush()\nsys.stderr.write('\\nMODULES ' + ' '.join(sorted(set(sys.modules) - before)))\n"
            "raise SystemExit(code)\n") % (argv,)
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                          env=dos_env(env))
    line = done.stderr.rsplit("MODULES ", 1)
    assert len(line) == 2, done.stderr
    return done.returncode, set(line[1].split())


# --------------------------------------------------------------------------- what they load


@pytest.mark.parametrize("phase, code", [("AUTH1", 0), ("AUTH2", 1)], ids=["shipped", "not-shipped"])
def test_verify_loads_nothing_banned(repo: Repo, phase: str, code: int) -> None:
    repo.commit("AUTH1: the login form")
    repo.commit("chore: AUTH mention only")
    got, added = _loaded(["verify", "AUTH", phase], repo.path)
    assert got == code
    assert "dos.service.truth" in added  # the check ran the verb
    assert not added & set(BANNED), sorted(added & set(BANNED))


def test_verify_with_a_dos_toml_loads_nothing_banned_once_compiled(repo: Repo) -> None:
    repo.write("dos.toml", '[stamp]\nsubject_dirs = ["docs"]\n')
    (repo.path / ".dos").mkdir()
    repo.commit("docs/AUTH AUTH1 shipped under docs/")
    first, _ = _loaded(["verify", "AUTH", "AUTH1"], repo.path)  # compiles and caches the keys verify reads
    got, added = _loaded(["verify", "AUTH", "AUTH1", "--explain"], repo.path)
    assert first == got == 0
    assert not added & set(BANNED), sorted(added & set(BANNED))


def test_status_loads_nothing_banned(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    from dos.config import Workspace
    from dos.service.context import Context
    from dos.service.intents import claim, declare

    repo.commit("init", {"README.md": "hi\n"})
    monkeypatch.chdir(repo.path)
    with Context(Workspace(repo.path, "--workspace")) as ctx:
        declare(ctx, RID, goal="g", steps=["a"], regions={"a": ["src/**"]}, token="t")
        repo.commit("a", {"src/a.py": "1\n"})
        claim(ctx, RID, "a", token="t")
    _loaded(["status", RID], repo.path)  # compiles the hooks' settings cache
    got, added = _loaded(["status", RID], repo.path)
    assert got == 0
    assert "dos.service.runstatus" in added
    assert not added & set(BANNED), sorted(added & set(BANNED))


# --------------------------------------------------------------------------- the flags, as argparse reads them


VERIFY_WORDS = [
    ["AUTH", "AUTH1"], ["AUTH", "AUTH1", "--json"], ["--json", "AUTH", "AUTH1"], ["AUTH", "--explain", "AUTH1"],
    ["AUTH", "AUTH1", "--ref", "main"], ["AUTH", "AUTH1", "--ref=main"], ["AUTH", "AUTH1", "--ref="],
    ["AUTH", "AUTH1", "--output", "plain"], ["AUTH", "AUTH1", "--output=json", "--json"],
    ["AUTH", "AUTH1", "--timeout", "2.5"], ["AUTH", "AUTH1", "--timeout=315360000"], ["", "AUTH1"],
    ["AUTH", "AUTH1", "--no-ci", "--ref", "a", "--ref", "b"], ["AUTH", "AUTH1", "--timeout", " 7 "],
    ["AUTH", "AUTH1", "--timeout", "1e3"],
    # argparse's alone: help, errors, abbreviations, '--', option-looking values
    ["AUTH", "AUTH1", "--help"], ["-h"], ["AUTH"], [], ["AUTH", "AUTH1", "AUTH2"], ["AUTH", "AUTH1", "--js"],
    ["AUTH", "AUTH1", "--bogus"], ["AUTH", "AUTH1", "--ref"], ["AUTH", "AUTH1", "--ref", "-x"],
    ["--", "AUTH", "AUTH1"], ["AUTH", "-1"], ["AUTH", "AUTH1", "--json=1"], ["AUTH", "AUTH1", "--timeout", "0"],
    ["AUTH", "AUTH1", "--timeout", "nan"], ["AUTH", "AUTH1", "--timeout", "inf"],
    ["AUTH", "AUTH1", "--timeout", "315360001"], ["AUTH", "AUTH1", "--timeout", "soon"],
]
STATUS_WORDS = [
    [RID], [RID, "--json"], ["--json", RID], ["--run-id", RID], ["--run-id=" + RID, RID], [],
    [RID, "--start-sha", "abc", "--now-ms", "5", "--last-heartbeat-age-ms", "0"], [RID, "--now-ms", " 12 "],
    [RID, "--lane", "main", "--loop-ts", "T1", "--stopped", "--no-proc"], [RID, "--live", "--output", "json"],
    ["--lane", "main", RID], [RID, "--output=text"], [RID, "--now-ms=1_000"],
    # argparse's alone
    [RID, "--help"], [RID, "other"], [RID, "--output", "yaml"], [RID, "--now-ms", "soon"],
    [RID, "--now-ms", "-5"], [RID, "--stop"], [RID, "--run-id"], ["--", RID], [RID, "--json=yes"],
]


def _argparse(verb: str, words: list[str]) -> dict | str:
    from dos.errors import UsageError

    parser, _ = build_verb_parser(verb)
    try:
        return vars(parser.parse_args(words))
    except UsageError as exc:
        return f"usage error: {exc}"
    except SystemExit as exc:
        return f"exit {exc.code}"


@pytest.mark.parametrize("verb, lean, words", [("verify", LEAN_verify, w) for w in VERIFY_WORDS]
                         + [("status", LEAN_status, w) for w in STATUS_WORDS],
                         ids=lambda v: v if isinstance(v, str) else (repr(v) if isinstance(v, list) else "lean"))
def test_the_lean_parse_is_argparses(verb: str, lean, words: list[str], capsys: pytest.CaptureFixture) -> None:
    got = lean.parse(words)
    want = _argparse(verb, words)
    capsys.readouterr()  # --help printed
    if got is None:
        return  # argparse reads these words itself (help, errors, abbreviations, '--', '-5')
    assert vars(got) == want


def test_the_documented_forms_take_the_lean_parse() -> None:
    for words in (["AUTH", "AUTH1"], ["AUTH", "AUTH1", "--json", "--explain", "--ref", "HEAD~1", "--timeout", "9"],
                  ["AUTH", "AUTH1", "--output", "plain", "--no-ci"]):
        assert LEAN_verify.parse(words) is not None, words
    for words in ([RID], [RID, "--json", "--stopped"], ["--run-id", RID, "--no-proc", "--now-ms", "1"]):
        assert LEAN_status.parse(words) is not None, words


def test_the_lean_parse_knows_every_flag_argparse_declares() -> None:
    for verb, lean in (("verify", LEAN_verify), ("status", LEAN_status)):
        parser, _ = build_verb_parser(verb)
        flags = {s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"}
        assert flags == set(lean.flags), verb


def test_the_timeout_bound_is_the_shared_one() -> None:
    from dos.cli import _args, truth

    assert truth.MAX_SECONDS == _args.MAX_SECONDS


def test_errors_and_help_stay_argparses(repo: Repo, run_dos) -> None:
    repo.commit("AUTH1: x")
    bad = run_dos("verify", "AUTH", "AUTH1", "--timeout", "0", cwd=repo.path)
    assert bad.returncode == 2 and bad.stderr.startswith("error: dos verify: argument --timeout:"), bad.stderr
    assert "Traceback" not in bad.stderr
    helped = run_dos("verify", "--help", cwd=repo.path)
    assert helped.returncode == 0 and "--no-ci" in helped.stdout and "PHASE" in helped.stdout
    assert run_dos("status", RID, "--output", "yaml", cwd=repo.path).returncode == 2


# --------------------------------------------------------------------------- workspace and config


def test_lean_root_is_find_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dos.config import find_workspace
    from dos.service.truth import lean_root

    outer = tmp_path / "outer"
    (outer / ".git").mkdir(parents=True)
    inner = outer / "pkg" / "deep"
    inner.mkdir(parents=True)
    (outer / "pkg" / "dos.toml").write_text("")
    (outer / "docs").mkdir()
    (outer / "docs" / "dos.toml").mkdir()  # a directory named dos.toml is not a config
    bare = tmp_path / "bare"
    bare.mkdir()
    link = tmp_path / "link"
    link.symlink_to(inner)
    cases = [(inner, None, {}), (outer / "docs", None, {}), (outer, None, {}), (bare, None, {}), (link, None, {}),
             (bare, str(outer), {}), (bare, "../outer/pkg", {}), (bare, None, {"DISPATCH_WORKSPACE": str(inner)}),
             (bare, "~", {})]
    monkeypatch.setenv("HOME", str(outer))
    for cwd, arg, env in cases:
        monkeypatch.chdir(cwd)
        assert lean_root(arg, env) == str(find_workspace(arg, env=env).root), (cwd, arg, env)
    monkeypatch.chdir(bare)
    assert lean_root("nowhere", {}) is None  # find_workspace's error, said by the full path


def test_the_defaults_are_the_loaders() -> None:
    from dos.config import Config
    from dos.service.truth import DEFAULTS, STAMP_KEYS, compile_config
    from dos.kernel.stamp import Convention
    from dos.kernel.table import fields

    assert compile_config(Config()) == DEFAULTS
    assert set(STAMP_KEYS) == {f.name for f in fields(Convention)}


def test_the_compiled_config_follows_every_edit(repo: Repo, run_dos) -> None:
    """The cache holds the text it was compiled from: an edit recompiles, a broken file is exit 2 as before."""
    repo.commit("docs/AUTH AUTH1 under docs")
    (repo.path / ".dos").mkdir()
    repo.write("dos.toml", '[stamp]\nsubject_dirs = ["src"]\n')
    assert run_dos("verify", "AUTH", "AUTH1", cwd=repo.path).returncode == 1  # src/ required: docs/ is not a stamp
    cache = repo.path / ".dos" / "cache" / "verify-config.json"
    assert json.loads(cache.read_text())["config"]["stamp"]["subject_dirs"] == ["src"]
    assert run_dos("verify", "AUTH", "AUTH1", cwd=repo.path).returncode == 1  # from the cache
    repo.write("dos.toml", '[stamp]\nsubject_dirs = ["docs"]\n')
    assert run_dos("verify", "AUTH", "AUTH1", cwd=repo.path).returncode == 0
    repo.write("dos.toml", '[stamp]\nsubject_dir = ["docs"]\n')
    broken = run_dos("verify", "AUTH", "AUTH1", cwd=repo.path)
    assert broken.returncode == 2 and "subject_dir" in broken.stderr and "Traceback" not in broken.stderr
    assert "subject_dir =" not in json.loads(cache.read_text())["text"]  # only a text that loaded is cached
    assert run_dos("verify", "AUTH", "AUTH1", cwd=repo.path).returncode == 2


def test_a_named_workspace_that_is_not_a_directory_is_the_full_paths_error(repo: Repo, run_dos) -> None:
    out = run_dos("--workspace", str(repo.path / "missing"), "verify", "AUTH", "AUTH1", cwd=repo.path)
    assert out.returncode == 2 and "is not a directory" in out.stderr


def test_a_plans_glob_that_may_match_still_reaches_the_artifact_rung(repo: Repo, run_dos) -> None:
    repo.write("docs/auth-plan.md", "# Auth\n\n## AUTH1\n\nFiles: `src/login.py`\n")
    repo.commit("docs: the plan")
    repo.commit("login form", {"src/login.py": "x = 1\n"})
    out = run_dos("verify", "AUTH", "AUTH1", "--json", cwd=repo.path)
    full = subprocess.run([sys.executable, "-c", (
        "import json, sys\nfrom dos.service.context import Context\nfrom dos.service.truth import verify\n"
        "with Context.discover(sys.argv[1]) as ctx:\n    print(json.dumps(verify(ctx, 'AUTH', 'AUTH1', "
        "journal=False).to_dict(), sort_keys=True))\n"), str(repo.path)], capture_output=True, text=True,
        env=dos_env())
    assert json.loads(out.stdout) == json.loads(full.stdout)


# --------------------------------------------------------------------------- git without subprocess


def test_git_failures_name_gits_last_line(repo: Repo) -> None:
    from dos import git
    from dos.errors import GitError

    repo.commit("one")
    with pytest.raises(GitError, match=r"^git log failed: "):
        list(git.iter_log(repo.path, "nope"))
    with pytest.raises(GitError, match="git cat-file failed"):
        git.run_git(repo.path, ["cat-file", "-p", "0" * 40])
    assert git.run_git(repo.path, ["cat-file", "-p", "0" * 40], check=False) == ""
    assert git.is_ancestor(repo.path, repo.git("rev-parse", "HEAD").strip(), "HEAD")
    assert not git.is_ancestor(repo.path, "0" * 40, "HEAD")


def test_closing_a_log_early_reaps_git(repo: Repo) -> None:
    from dos import git

    for i in range(3):
        repo.commit(f"c{i}")
    log = git.iter_log(repo.path, "HEAD")
    next(log)
    log.close()
    with pytest.raises(ChildProcessError):  # no child left behind, not even a zombie
        os.waitpid(-1, os.WNOHANG)


def test_a_git_that_is_not_on_path_is_one_line(repo: Repo, run_dos) -> None:
    out = run_dos("verify", "AUTH", "AUTH1", cwd=repo.path, env={"PATH": str(repo.path)})
    assert out.returncode == 2 and "git is not installed or not on PATH" in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("script, args, stdin", [("dos", ["--help"], ""), ("dos-hook", ["pretool"], "{}")])
def test_the_installed_launchers_import_nothing_before_dos(tmp_path: Path, script: str, args: list[str],
                                                           stdin: str) -> None:
    """``dos`` and ``dos-hook`` as installed: plain launchers, not pip's wrapper (which imports re first)."""
    import subprocess
    import sys

    exe = Path(sys.executable).parent / script
    assert exe.is_file(), f"{exe} is not installed beside this interpreter"
    done = subprocess.run([sys.executable, "-X", "importtime", str(exe), *args], input=stdin, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    loaded = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "dos" in loaded and "re" not in loaded, sorted(loaded - {"dos"})[:40]


@pytest.mark.parametrize("argv, collecting", [(["status", "not-a-run"], False), (["verify", "--help"], False),
                                              (["exit-codes"], True), (["lease-lane", "--help"], True)])
def test_the_process_keeps_the_collector_off_only_for_brief_verbs(argv: list[str], collecting: bool) -> None:
    """``dos.cli.run`` starts with the cyclic collector off; every verb but the brief verdict verbs turns it back on
    (a long-running screen or a batch verb without it would keep every cycle it makes)."""
    code = ("import gc, sys\nsys.argv = ['dos', *%r]\nfrom dos import cli\nmain = cli.main\n"
            "def spy(argv=None):\n    try:\n        return main(argv)\n"
            "    finally:\n        sys.stderr.write('\\nGC %%s' %% gc.isenabled())\n"
            "cli.main = spy\ncli.run()\n") % (argv,)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dos_env(None), timeout=60)
    assert done.stderr.rsplit("GC ", 1)[-1].strip() == str(collecting), done.stderr[-500:]
