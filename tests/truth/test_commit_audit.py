"""commit-audit: the subject's claim against the commit's own diff, in the kernel and through the CLI."""

from __future__ import annotations

import json

import pytest

from dos.kernel.commit_audit import FileStat, Sweep, audit_commit, classify_claim, is_source_file, is_test_file

CLAIMS = [
    ("fix: handle empty input", "code_effect"),
    ("Add retry to the uploader", "code_effect"),
    ("refactor parser into two modules", "code_effect"),
    ("auth: implement token refresh", "code_effect"),
    ("wip: half a parser", "none"),
    ("chore: tidy", "none"),
    ("bump version to 1.2", "none"),
    ("address review comments on the parser", "none"),
    ("Merge branch 'x'", "none"),
    ("tests pass now", "test"),
    ("test: cover the empty case", "test"),
    ("parser: tests for edge cases", "test"),
    ("docs: explain the ladder", "doc"),
    ("README.md: fix install line", "doc"),
    ("typo in help text", "doc"),
    ("improve things", "none"),
    ("AUTH2: done", "none"),
    ("ci: fix the workflow", "code_effect"),
]


@pytest.mark.parametrize("subject,kind", CLAIMS)
def test_claim_kind(subject, kind):
    assert classify_claim(subject).kind == kind


def test_file_classes():
    assert is_test_file("tests/test_x.py") and is_test_file("src/a_test.go") and is_test_file("web/a.spec.ts")
    assert not is_test_file("src/testing_utils.py")
    assert is_source_file("src/a.py") and is_source_file("Makefile") and is_source_file("bin/run")
    assert not is_source_file("docs/a.md") and not is_source_file("data/x.json")


F = FileStat
AUDITS = [
    ("fix: crash", [F("src/a.py", 3, 1)], "OK", "diff-witnessed"),
    ("fix: crash", [F("README.md", 3, 1)], "CLAIM_UNWITNESSED", "subject-only"),
    ("fix: crash", [], "CLAIM_UNWITNESSED", "subject-only"),
    ("add tests for parser", [F("src/a.py", 3, 1)], "CLAIM_UNWITNESSED", "subject-only"),
    ("test: cover parser", [F("tests/test_p.py", 1, 30)], "CLAIM_UNWITNESSED", "subject-only"),
    ("test: move parser tests", [F("tests/test_p.py", 1, 30)], "OK", "diff-witnessed"),
    ("test: cover parser", [F("tests/test_p.py", 30, 1)], "OK", "diff-witnessed"),
    ("docs: explain", [], "CLAIM_UNWITNESSED", "subject-only"),
    ("docs: explain", [F("docs/a.md", 1, 0)], "OK", "diff-witnessed"),
    ("ci: fix the workflow", [F(".github/workflows/t.yml", 1, 1)], "OK", "diff-witnessed"),
    ("fix: the workflow", [F(".github/workflows/t.yml", 1, 1)], "CLAIM_UNWITNESSED", "subject-only"),
    ("AUTH2: done", [], "ABSTAIN", "abstain"),
]


@pytest.mark.parametrize("subject,files,verdict,witness", AUDITS)
def test_audit_table(subject, files, verdict, witness):
    v = audit_commit("abc1234", subject, files)
    assert (v.verdict, v.witness) == (verdict, witness), v.reason


def test_docs_ok_policy():
    assert audit_commit("a", "fix: crash", [F("README.md", 1, 1)], docs_ok=True).verdict == "OK"


def test_sweep_totals():
    vs = (audit_commit("a", "fix: x", [F("src/a.py", 1, 0)]), audit_commit("b", "fix: y", []),
          audit_commit("c", "wip", []))
    d = Sweep(vs).to_dict()
    assert (d["commits"], d["checkable"], d["witnessed"], d["unwitnessed"], d["abstained"]) == (3, 2, 1, 1, 1)
    assert d["drift_rate"] == 0.5 and d["unwitnessed_shas"] == ["b"]
    assert d["by_kind"]["code_effect"] == {"unwitnessed": 1, "witnessed": 1, "abstain": 0}


def test_cli_single_commit(repo, run_dos):
    repo.commit("fix: crash in parser", {"src/p.py": "x\n"})
    ok = run_dos("commit-audit", cwd=repo.path)
    assert ok.returncode == 0 and ok.stdout.startswith("✓ witnessed")
    repo.commit("fix: crash in lexer", {"NOTES.md": "x\n"})
    bad = run_dos("commit-audit", "--json", cwd=repo.path)
    assert bad.returncode == 1
    [row] = json.loads(bad.stdout)
    assert row["verdict"] == "CLAIM_UNWITNESSED" and row["claim_kind"] == "code_effect"
    assert "1/1 commit(s)" in bad.stderr
    assert run_dos("commit-audit", "--warn-only", cwd=repo.path).returncode == 0


def test_cli_range_and_sweep(repo, run_dos):
    base = repo.commit("init", {"src/a.py": "1\n"})
    repo.commit("fix: a", {"src/a.py": "2\n"})
    repo.commit("fix: b", {"NOTES.md": "x\n"})
    repo.commit("wip", {"src/a.py": "3\n"})
    out = run_dos("commit-audit", f"{base}..HEAD", cwd=repo.path)
    assert out.returncode == 1 and len(out.stdout.splitlines()) == 3
    sweep = run_dos("commit-audit", "--sweep", f"{base}..HEAD", "--json", cwd=repo.path)
    d = json.loads(sweep.stdout)
    assert (d["commits"], d["unwitnessed"], d["witnessed"]) == (3, 1, 1)
    text = run_dos("commit-audit", "--sweep", f"{base}..HEAD", cwd=repo.path).stdout
    assert "DRIFT RATE (unwitnessed/checkable): 50.0%" in text


def test_cli_unreadable_ref_and_range(repo, run_dos):
    repo.commit("x")
    for ref in ("nope", "nope..HEAD"):
        out = run_dos("commit-audit", ref, cwd=repo.path)
        assert out.returncode == 2 and "cannot read" in out.stderr and "Traceback" not in out.stderr


def test_cli_empty_range(repo, run_dos):
    repo.commit("x")
    out = run_dos("commit-audit", "HEAD..HEAD", cwd=repo.path)
    assert out.returncode == 0 and "no commits in range" in out.stdout
