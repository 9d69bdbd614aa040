"""`dos verify` end to end: exit codes, text and JSON forms, non-repos, refs, the registry rung, deep history."""

from __future__ import annotations

import json
import subprocess

import pytest



def test_shipped_and_not_shipped_exit_codes(repo, run_dos):
    """The exit code is the verdict: 0 shipped, 1 not shipped."""
    sha = repo.commit("AUTH1: ship login")
    ok = run_dos("verify", "AUTH", "AUTH1", cwd=repo.path)
    assert ok.returncode == 0 and ok.stdout == f"SHIPPED AUTH AUTH1 {sha[:7]} (via grep-subject)\n"
    no = run_dos("verify", "AUTH", "AUTH2", cwd=repo.path)
    assert no.returncode == 1 and no.stdout == "NOT_SHIPPED AUTH AUTH2 (via none)\n"


def test_json_fields(repo, run_dos):
    """JSON carries plan, phase, shipped, sha, source, summary, rung (sorted keys)."""
    sha = repo.commit("AUTH1: ship login")
    out = run_dos("verify", "AUTH", "AUTH1", "--json", cwd=repo.path)
    assert json.loads(out.stdout) == {"plan": "AUTH", "phase": "AUTH1", "shipped": True, "sha": sha[:7],
                                      "source": "grep-subject", "summary": f"{sha[:7]} AUTH1: ship login",
                                      "rung": "direct"}
    no = json.loads(run_dos("verify", "AUTH", "AUTH2", "--json", cwd=repo.path).stdout)
    assert no == {"plan": "AUTH", "phase": "AUTH2", "shipped": False, "source": "none"}


def test_explain_names_the_forgeable_rung(repo, run_dos):
    repo.commit("AUTH1: ship login")
    out = run_dos("verify", "AUTH", "AUTH1", "--explain", cwd=repo.path)
    assert out.returncode == 0 and "forgeable" in out.stdout.splitlines()[1]
    data = json.loads(run_dos("verify", "AUTH", "AUTH2", "--json", "--explain", cwd=repo.path).stdout)
    assert data["interpretation"].startswith("NOT shipped")


def test_non_git_directory_is_not_shipped(tmp_path, run_dos):
    out = run_dos("verify", "--workspace", str(tmp_path), "AUTH", "AUTH1")
    assert (out.returncode, out.stdout) == (1, "NOT_SHIPPED AUTH AUTH1 (via none)\n")


def test_empty_repo_is_not_shipped(repo, run_dos):
    out = run_dos("verify", "AUTH", "AUTH1", cwd=repo.path)
    assert out.returncode == 1 and "(via none)" in out.stdout


def test_missing_ref_is_a_contract_error(repo, run_dos):
    repo.commit("AUTH1: x")
    out = run_dos("verify", "AUTH", "AUTH1", "--ref", "no-such-branch", cwd=repo.path)
    assert out.returncode == 2 and out.stderr.startswith("error: ") and "no-such-branch" in out.stderr
    assert "Traceback" not in out.stderr


def test_ref_judges_that_history(repo, run_dos):
    """A stamp on an unmerged branch ships on that branch only."""
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.commit("AUTH3: on a branch")
    repo.git("checkout", "-q", "main")
    assert run_dos("verify", "AUTH", "AUTH3", cwd=repo.path).returncode == 1
    assert run_dos("verify", "AUTH", "AUTH3", "--ref", "feature", cwd=repo.path).returncode == 0


def test_workspace_flag_from_elsewhere(repo, run_dos, tmp_path):
    repo.commit("AUTH1: x")
    assert run_dos("--workspace", str(repo.path), "verify", "AUTH", "AUTH1", cwd=tmp_path).returncode == 0


def test_registry_row_needs_an_ancestor_commit(repo, run_dos):
    """A made-up sha in a done row is not evidence; a real ancestor is."""
    real = repo.commit("unrelated work")
    row = "recently_completed:\n  - plan: AUTH\n    phase: AUTH7\n    status: done\n    commit_sha: {}\n"
    repo.write("dos.state.yaml", row.format("deadbeefdeadbeefdeadbeefdeadbeefdeadbeef"))
    fake = run_dos("verify", "AUTH", "AUTH7", "--json", cwd=repo.path)
    assert fake.returncode == 1 and json.loads(fake.stdout)["source"] == "none"
    repo.write("dos.state.yaml", row.format(real))
    good = run_dos("verify", "AUTH", "AUTH7", "--json", cwd=repo.path)
    assert good.returncode == 0 and json.loads(good.stdout)["source"] == "registry"
    assert json.loads(good.stdout)["sha"] == real[:12]


def test_registry_row_on_unmerged_branch_does_not_count(repo, run_dos):
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    side = repo.commit("side work")
    repo.git("checkout", "-q", "main")
    repo.write("dos.state.yaml",
               f"recently_completed:\n- plan: AUTH\n  phase: AUTH8\n  status: done\n  commit_sha: {side}\n")
    assert run_dos("verify", "AUTH", "AUTH8", cwd=repo.path).returncode == 1


def test_stamp_table_in_dos_toml(repo, run_dos):
    repo.commit("AUTH47: glued")
    assert run_dos("verify", "AUTH", "AUTH47", cwd=repo.path).returncode == 0
    repo.write("dos.toml", '[stamp]\nsubject_dirs = ["docs"]\n')
    assert run_dos("verify", "AUTH", "AUTH47", cwd=repo.path).returncode == 1


def test_reverted_text_names_both_commits(repo, run_dos):
    ship = repo.commit("AUTH13: thing")
    repo.git("revert", "--no-edit", ship)
    rev = repo.git("rev-parse", "HEAD").strip()
    out = run_dos("verify", "AUTH", "AUTH13", cwd=repo.path)
    assert out.returncode == 1
    assert out.stdout == f"NOT_SHIPPED AUTH AUTH13 {ship[:7]} reverted by {rev[:7]} (via reverted)\n"


@pytest.fixture(scope="module")
def deep_repo(tmp_path_factory, fast_import):
    """10,000 commits; AUTH9 is stamped 9,000 commits below HEAD."""
    path = tmp_path_factory.mktemp("deep") / "r"
    commits = [(f"chore: filler {i}", "", {"f.txt": f"{i}\n"} if i % 50 == 0 else {}) for i in range(10_000)]
    commits[999] = ("AUTH9: the deep ship", "", {"src/auth.py": "x\n"})
    shas = fast_import(path, commits)
    return path, shas


def test_deep_ship_is_found(deep_repo, run_dos):
    """The reference reads only the newest 4,000 subjects and answers NOT_SHIPPED here."""
    path, shas = deep_repo
    assert subprocess.run(["git", "-C", str(path), "rev-list", "--count", "HEAD"], capture_output=True,
                          text=True).stdout.strip() == "10000"
    out = run_dos("verify", "AUTH", "AUTH9", "--json", cwd=path)
    assert out.returncode == 0
    assert json.loads(out.stdout)["sha"] == shas[999][:7]


def test_deep_not_shipped(deep_repo, run_dos):
    path, _ = deep_repo
    assert run_dos("verify", "AUTH", "AUTH10", cwd=path).returncode == 1


def test_output_renderers(repo, run_dos):
    sha = repo.commit("AUTH1: ship login")
    plain = run_dos("verify", "AUTH", "AUTH1", "--output", "plain", cwd=repo.path)
    assert plain.returncode == 0 and plain.stdout == f"AUTH AUTH1 has shipped: a commit stamped with it ({sha[:7]}).\n"
    js = run_dos("verify", "AUTH", "AUTH2", "--output", "json", cwd=repo.path)
    assert js.returncode == 1 and json.loads(js.stdout)["shipped"] is False
    bad = run_dos("verify", "AUTH", "AUTH1", "--output", "xml", cwd=repo.path)
    assert bad.returncode == 2 and bad.stderr == "error: unknown renderer 'xml'; known: text, json, plain\n"


def test_library_commit_audit(repo):
    """service.truth.commit_audit: one verdict for a ref, a Sweep for a range."""
    from dos.config import Config, Workspace
    from dos.service.context import Context
    from dos.service.truth import commit_audit

    base = repo.commit("init", {"src/a.py": "1\n"})
    repo.commit("fix: crash", {"README.md": "x\n"})
    ctx = Context(Workspace(repo.path, "cwd"), Config())
    one = commit_audit(ctx)
    assert one.to_dict()["verdict"] == "CLAIM_UNWITNESSED"
    sweep = commit_audit(ctx, f"{base}..HEAD")
    assert sweep.to_dict()["unwitnessed"] == 1 and len(sweep.verdicts) == 1


def test_registry_row_for_another_plan_doc_is_skipped(repo, run_dos):
    """Two plans may share a phase name; a row naming the other plan's doc is not this ship."""
    real = repo.commit("plans", {"docs/auth-plan.md": "id: AUTH\n", "docs/old/auth2-plan.md": "id: OLDAUTH\n"})
    row = ("recently_completed:\n  - plan: AUTH\n    phase: AUTH7\n    status: done\n"
           f"    commit_sha: {real}\n    doc_path: {{}}\n")
    repo.write("dos.state.yaml", row.format("docs/old/auth2-plan.md"))
    assert run_dos("verify", "AUTH", "AUTH7", cwd=repo.path).returncode == 1
    repo.write("dos.state.yaml", row.format("./docs/auth-plan.md"))
    assert run_dos("verify", "AUTH", "AUTH7", cwd=repo.path).returncode == 0


def test_colour_marks_the_forgeable_rung(repo, run_dos):
    repo.commit("AUTH1: ship login")
    out = run_dos("verify", "AUTH", "AUTH1", cwd=repo.path, env={"DOS_COLOR": "always"})
    assert out.stdout.startswith("\x1b[32mSHIPPED\x1b[0m") and "\x1b[33m(via grep-subject)" in out.stdout
    none = run_dos("verify", "AUTH", "AUTH2", cwd=repo.path, env={"DOS_COLOR": "always"})
    assert none.stdout == "\x1b[31mNOT_SHIPPED\x1b[0m AUTH AUTH2 \x1b[31m(via none)\x1b[0m\n"


def test_an_open_soak_holds_the_ship(repo, run_dos):
    sha = repo.commit("AUTH3: watch the sessions")
    repo.write(".dos/soaks/index.yaml", "soaks:\n  - id: auth3-watch\n    plan: auth\n    status: in_progress\n")
    out = run_dos("verify", "AUTH", "AUTH3", "--json", cwd=repo.path)
    data = json.loads(out.stdout)
    assert out.returncode == 1 and data["source"] == "none" and data["sha"] == sha[:7]
    assert "auth3-watch" in data["summary"]
    repo.write(".dos/soaks/index.yaml", "soaks:\n  - id: auth3-watch\n    plan: auth\n    status: closed\n")
    assert run_dos("verify", "AUTH", "AUTH3", cwd=repo.path).returncode == 0
