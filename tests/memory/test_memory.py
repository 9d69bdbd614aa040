"""Remembered facts through the real CLI on real git repos: each token, its exit code and JSON; a fact goes
stale when its file changes or its commit leaves HEAD's history; the file format round-trips."""

from __future__ import annotations

import json

import pytest

from dos.exitcodes import exit_code
from dos.kernel import memory as km


def _remember(run_dos, repo, name, *args, text="the fact"):
    done = run_dos("memory", "remember", name, *args, "--text", text, "--json", cwd=repo.path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _recall(run_dos, repo, name, *args):
    done = run_dos("memory", "recall", name, "--json", "--explain", *args, cwd=repo.path)
    assert done.stderr == "", done.stderr
    return done.returncode, json.loads(done.stdout)


def test_fresh_then_stale_when_the_file_changes(repo, run_dos):
    """A fact pinned to a file is RECALL_FRESH (0) until the file's bytes change, then RECALL_STALE (3)."""
    repo.commit("add config", {"conf/app.toml": "port = 80\n"})
    made = _remember(run_dos, repo, "app-port", "--file", "conf/app.toml", text="The app listens on 80.")
    assert made["verdict"] == "REMEMBERED" and made["evidence"][0]["target"] == "conf/app.toml"
    rc, out = _recall(run_dos, repo, "app-port")
    assert (rc, out["verdict"]) == (0, "RECALL_FRESH") and out["culprit"] is None
    assert out["interpretation"].startswith("FRESH")
    repo.write("conf/app.toml", "port = 8080\n")
    rc, out = _recall(run_dos, repo, "app-port")
    assert (rc, out["verdict"]) == (3, "RECALL_STALE") == (exit_code("memory recall", "RECALL_STALE"), "RECALL_STALE")
    assert out["culprit"]["target"] == "conf/app.toml" and out["culprit"]["status"] == "CONTRADICTS"
    assert set(out) >= {"memory", "verdict", "type", "culprit", "claims", "interpretation"}
    repo.write("conf/app.toml", "port = 80\n")  # the same bytes again: the evidence holds again
    assert _recall(run_dos, repo, "app-port")[1]["verdict"] == "RECALL_FRESH"


def test_stale_when_the_file_is_deleted(repo, run_dos):
    repo.commit("add", {"a.txt": "a\n"})
    _remember(run_dos, repo, "a", "--file", "a.txt")
    (repo.path / "a.txt").unlink()
    rc, out = _recall(run_dos, repo, "a")
    assert rc == 3 and out["culprit"]["observed"] == "missing"


def test_stale_when_the_commit_is_no_longer_reachable(repo, run_dos):
    """A fact pinned to a commit goes stale once a reset takes that commit out of HEAD's history."""
    repo.commit("base")
    sha = repo.commit("feature X lands")
    _remember(run_dos, repo, "feature-x", "--commit", "HEAD")
    rc, out = _recall(run_dos, repo, "feature-x")
    assert (rc, out["verdict"]) == (0, "RECALL_FRESH") and out["claims"][0]["target"] == sha
    repo.git("reset", "-q", "--hard", "HEAD~1")
    rc, out = _recall(run_dos, repo, "feature-x")
    assert (rc, out["verdict"]) == (3, "RECALL_STALE")
    assert out["culprit"]["observed"] == "unreachable" and sha[:12] in out["reason"]


def test_stale_when_the_commit_is_gone_from_the_repository(repo, run_dos):
    repo.commit("base")
    gone = "0123456789abcdef0123456789abcdef01234567"
    store = repo.path / ".dos" / "memory"
    store.mkdir(parents=True)
    (store / "ghost.md").write_text(f"---\nname: ghost\ntype: project\nevidence:\n  - commit: {gone}\n---\nboo\n")
    rc, out = _recall(run_dos, repo, "ghost")
    assert rc == 3 and out["culprit"]["observed"] == "missing"


def test_unverifiable_when_nothing_can_be_checked(repo, run_dos):
    """A memory with no evidence (a host's plain memory file) is RECALL_UNVERIFIABLE, exit 0, never FRESH."""
    repo.commit("base")
    store = repo.path / "notes"
    store.mkdir()
    (store / "likes-tabs.md").write_text("---\nname: likes-tabs\ntype: user\ndescription: x\n---\nTabs.\n")
    rc, out = _recall(run_dos, repo, "likes-tabs", "--store", "notes")
    assert (rc, out["verdict"], out["type"]) == (0, "RECALL_UNVERIFIABLE", "user")


def test_commit_claim_outside_git_abstains(tmp_path, run_dos):
    """Without git a commit claim cannot be checked: UNVERIFIABLE, not FRESH (fails closed)."""
    ws = tmp_path / "plain"
    (ws / ".dos" / "memory").mkdir(parents=True)
    (ws / ".dos" / "memory" / "c.md").write_text("---\nname: c\nevidence:\n  - commit: " + "a" * 40 + "\n---\n")
    done = run_dos("memory", "recall", "c", "--json", "--workspace", str(ws), cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "RECALL_UNVERIFIABLE"


def test_verify_sweeps_routes_and_exits_3_on_any_stale(repo, run_dos):
    repo.commit("add", {"a.txt": "a\n", "b.txt": "b\n"})
    _remember(run_dos, repo, "a", "--file", "a.txt")
    _remember(run_dos, repo, "b", "--file", "b.txt")
    done = run_dos("memory", "verify", "--json", cwd=repo.path)
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "RECALL_FRESH"
    repo.write("a.txt", "changed\n")
    (repo.path / "b.txt").unlink()
    done = run_dos("memory", "verify", "--route", "--json", cwd=repo.path)
    out = json.loads(done.stdout)
    assert done.returncode == 3 and (out["verdict"], out["stale"], out["fresh"]) == ("RECALL_STALE", 2, 0)
    assert {m["memory"]: m["route"] for m in out["memories"]} == {"a": "refresh", "b": "retire"}
    text = run_dos("memory", "verify", "--route", cwd=repo.path)
    assert text.returncode == 3 and "-> refresh" in text.stdout and "-> retire" in text.stdout


def test_verify_on_an_empty_store_and_a_broken_file(repo, run_dos):
    repo.commit("base")
    done = run_dos("memory", "verify", "--json", cwd=repo.path)
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "EMPTY"
    store = repo.path / ".dos" / "memory"
    store.mkdir(parents=True)
    (store / "bad.md").write_text("---\nname: bad\nevidence:\n  - file: x.txt\n---\n")  # no sha256
    done = run_dos("memory", "verify", "--json", cwd=repo.path)
    out = json.loads(done.stdout)
    assert done.returncode == 0 and out["memories"][0]["verdict"] == "RECALL_UNVERIFIABLE"
    recall = run_dos("memory", "recall", "bad", cwd=repo.path)
    assert recall.returncode == 2 and recall.stderr.startswith("error: memory file") and "Traceback" not in recall.stderr


@pytest.mark.parametrize("argv, needle", [
    (["remember", "x", "--text", "t"], "needs evidence"),
    (["remember", "x", "--file", "nope.txt", "--text", "t"], "is not a file"),
    (["remember", "x", "--file", "../outside.txt", "--text", "t"], "outside the workspace"),
    (["remember", "x", "--commit", "no-such-ref", "--text", "t"], "does not name a commit"),
    (["remember", "../evil", "--file", "a.txt", "--text", "t"], "is not a memory name"),
    (["recall", "missing"], "no memory named 'missing'"),
])
def test_user_errors_are_one_line_exit_2(repo, run_dos, argv, needle):
    repo.commit("add", {"a.txt": "a\n"})
    (repo.path.parent / "outside.txt").write_text("o\n")
    done = run_dos("memory", *argv, cwd=repo.path)
    assert done.returncode == 2, done.stdout
    assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_remember_refuses_to_overwrite_without_replace(repo, run_dos):
    repo.commit("add", {"a.txt": "a\n"})
    _remember(run_dos, repo, "a", "--file", "a.txt")
    repo.write("a.txt", "new\n")
    again = run_dos("memory", "remember", "a", "--file", "a.txt", "--text", "t", cwd=repo.path)
    assert again.returncode == 2 and "--replace" in again.stderr
    assert _recall(run_dos, repo, "a")[0] == 3
    made = _remember(run_dos, repo, "a", "--file", "a.txt", "--replace")
    assert made["replaced"] is True and _recall(run_dos, repo, "a")[0] == 0


def test_text_from_stdin_and_plain_output(repo, run_dos):
    repo.commit("add", {"a.txt": "a\n"})
    done = run_dos("memory", "remember", "s", "--file", "a.txt", input="piped fact\n", cwd=repo.path)
    assert done.returncode == 0
    assert (repo.path / ".dos" / "memory" / "s.md").read_text().endswith("piped fact\n")
    plain = run_dos("memory", "recall", "s", "--output", "plain", cwd=repo.path)
    assert plain.returncode == 0 and plain.stdout.startswith("Still true")


def test_recall_is_journaled_once_a_store_exists(repo, run_dos):
    repo.commit("add", {"a.txt": "a\n"})
    _remember(run_dos, repo, "a", "--file", "a.txt")
    env = {"DISPATCH_OBSERVE": "1"}
    assert run_dos("memory", "recall", "a", cwd=repo.path, env=env).returncode == 0
    tail = run_dos("observe", "--syscall", "memory_recall", "--json", cwd=repo.path)
    assert tail.returncode == 0 and "RECALL_FRESH" in tail.stdout


def test_format_round_trips_and_rejects_bad_evidence():
    doc = km.MemoryDoc("n", "project", "d \"q\"", "2026-01-01T00:00:00Z",
                       (km.Evidence("file", "dir/a b.txt", "ab" * 32), km.Evidence("commit", "c" * 40, "c" * 40)),
                       "body\n")
    back = km.parse(km.render(doc))
    assert (back.name, back.type, back.description, back.evidence, back.body) == (
        doc.name, doc.type, doc.description, doc.evidence, doc.body)
    with pytest.raises(km.MemoryFormatError):
        km.parse("---\nname: x\nevidence:\n  - commit: abc\n---\n")
    with pytest.raises(km.MemoryFormatError):
        km.parse("---\nname: x\n")
    assert km.parse("no frontmatter", fallback_name="f").name == "f"


def test_the_verdict_is_worst_wins():
    ok = km.file_claim("a", "1" * 64, "1" * 64)
    bad = km.file_claim("b", "1" * 64, None)
    unsure = km.commit_claim("c" * 40, exists=None, reachable=None)
    assert km.judge("m", [ok]).token == km.FRESH
    assert km.judge("m", [ok, unsure]).token == km.UNVERIFIABLE
    assert km.judge("m", [unsure, bad, ok]).token == km.STALE
    assert km.judge("m", [unsure, bad]).culprit == bad
    assert km.judge("m", []).token == km.UNVERIFIABLE
