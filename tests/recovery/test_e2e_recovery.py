"""End to end in real git repositories: a run killed mid-way, recovered from its ledger and git alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

from dos.config import Workspace
from dos.kernel import intent as K
from dos.service.context import Context
from dos.service.intents import ledger
from tests.conftest import Repo, dos_env

WORKER = Path(__file__).with_name("worker.py")


def mint(run_dos: Callable[..., Any], cwd: Path) -> str:
    return json.loads(run_dos("run-id", "mint", "worker", cwd=cwd).stdout)["run_id"]


def killed_run(repo: Repo, rid: str) -> dict[str, Any]:
    """Start the worker, let it declare, commit and claim, then SIGKILL it; return what it reported."""
    ready = repo.path.parent / f"{rid}.ready"
    proc = subprocess.Popen([sys.executable, str(WORKER), "run", str(repo.path), rid, str(ready)], env=dos_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line, proc.stderr.read()
    while not ready.exists():
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    return json.loads(line)


def jrun(run_dos: Callable[..., Any], cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    done = run_dos(*args, "--json", cwd=cwd)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_a_killed_run_resumes_from_its_last_standing_step(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, repo.path)
    w = killed_run(repo, rid)
    assert [w[s]["verdict"] for s in "abc"] == ["VERIFIED", "UNVERIFIED", "UNVERIFIED"]
    a_sha = w["a"]["sha"]

    for args in (("status", rid), ("status", "--run-id", rid)):
        rc, d = jrun(run_dos, repo.path, *args)
        assert rc == 0 and d["stopped_by"] == "writer gone"  # the writer's pid is gone: the run stopped
        assert d["resume"]["verdict"] == "RESUMABLE" and d["resume"]["resume_sha"] == a_sha
        assert d["resume"]["residual"] == ["b", "c"] and d["progress"]["verified_steps"] == ["a"]
        assert "claimed" not in json.dumps(d["progress"])

    rc, r = jrun(run_dos, repo.path, "resume", "--run-id", rid)
    assert (rc, r["verdict"], r["resume_sha"], r["residual"]) == (0, "RESUMABLE", a_sha, ["b", "c"])
    assert r["proposed_now"] and r["predecessor_run_id"] == rid
    assert "re-enter at " + a_sha[:12] in r["proposed_command"]
    rc, r = jrun(run_dos, repo.path, "resume", "--run-id", rid)
    assert r["already_proposed"] and not r["proposed_now"]

    rc, c = jrun(run_dos, repo.path, "complete", "--run-id", rid)
    assert (rc, c["state"], c["residual"]) == (3, "INCOMPLETE", ["b", "c"])

    # A forged STEP_VERIFIED naming a commit git does not have changes nothing.
    with Context(Workspace(repo.path, "--workspace")) as ctx:
        assert ledger(ctx).mint(rid, K.STEP_VERIFIED, {"step_id": "b", "sha": "e" * 40, "via": "file-path",
                                                        "verdicts": []}, author="forger").recorded
    rc, c = jrun(run_dos, repo.path, "complete", "--run-id", rid)
    assert (rc, c["state"], c["verified"]) == (3, "INCOMPLETE", ["a"])

    # The missing commits, each inside its step's region, claimed by the run's writer.
    env = {"DOS_INTENT_TOKEN": w["token"]}
    repo.commit("step b for real", {"src/b.py": "b = 2\n"})
    done = run_dos("intent", "claim", "--run-id", rid, "b", cwd=repo.path, env=env)
    assert done.returncode == 0 and done.stdout.startswith("VERIFIED"), done.stdout + done.stderr
    repo.commit("step c for real", {"src/c.py": "c = 3\n"})
    assert run_dos("intent", "claim", "--run-id", rid, "c", cwd=repo.path, env=env).returncode == 0

    rc, c = jrun(run_dos, repo.path, "complete", "--run-id", rid)
    assert (rc, c["state"], c["verified"], c["is_done"], c["fraction_done"]) == (0, "COMPLETE", ["a", "b", "c"],
                                                                                True, 1.0)
    rc, r = jrun(run_dos, repo.path, "resume", "--run-id", rid)
    assert (rc, r["verdict"], r["residual"]) == (0, "COMPLETE", [])
    rc, t = jrun(run_dos, repo.path, "trace", rid)
    assert rc == 0 and [s["state"] for s in t["intent"]["steps"]] == ["VERIFIED"] * 3
    assert len(t["git"]["commits"]) == 5


def test_another_writer_cannot_claim_for_the_run(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, repo.path)
    assert run_dos("intent", "declare", "--run-id", rid, "--step", "a", cwd=repo.path,
                   env={"DOS_INTENT_TOKEN": "mine"}).returncode == 0
    repo.commit("a", {"src/a.py": "1\n"})
    done = run_dos("intent", "claim", "--run-id", rid, "a", cwd=repo.path, env={"DOS_INTENT_TOKEN": "theirs"})
    assert done.returncode == 3 and done.stdout.startswith("REFUSED")
    rc, shown = jrun(run_dos, repo.path, "intent", "show", "--run-id", rid)
    assert shown["state"]["claims"] == {} and [r["op"] for r in shown["records"]] == ["INTENT"]


def test_trace_calls_a_step_verified_only_when_it_stands(repo: Repo, run_dos: Callable[..., Any]) -> None:
    """A step whose STEP_VERIFIED names an empty commit reads CLAIMED in trace, as resume rejects it."""
    start = repo.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, repo.path)
    repo.git("commit", "-q", "--allow-empty", "-m", "b")
    empty = repo.git("rev-parse", "HEAD").strip()
    ref = [{"op": "INTENT", "goal": "g", "start_sha": start, "declared_steps": ["b"]},
           {"op": "STEP_CLAIMED", "step_id": "b", "sha": empty},
           {"op": "STEP_VERIFIED", "step_id": "b", "sha": empty, "via": "file-path", "verdicts": []}]
    path = repo.path.parent / "runs" / rid / "intent.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in ref))
    assert run_dos("journal", "import", "--intent", str(path), cwd=repo.path).returncode == 0
    rc, t = jrun(run_dos, repo.path, "trace", rid)
    assert t["intent"]["steps"][0]["state"] == "CLAIMED" and not t["intent"]["steps"][0]["stands"]
    rc, r = jrun(run_dos, repo.path, "resume", "--run-id", rid, "--no-record")
    assert r["residual"] == ["b"]


def test_rewind_anchors_on_the_minted_checkpoint_and_refuses_a_rewritten_turn(
        repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, repo.path)
    env = {"DOS_INTENT_TOKEN": "tok"}
    assert run_dos("intent", "declare", "--run-id", rid, "--goal", "g", cwd=repo.path, env=env).returncode == 0
    transcript = repo.path.parent / "transcript.jsonl"
    turns = [{"type": "user", "message": {"role": "user", "content": "go"}},
             {"type": "assistant", "message": {"role": "assistant", "model": "m", "content": [{"type": "text",
                                                                                           "text": "plan"}]}}]
    transcript.write_text("".join(json.dumps(t) + "\n" for t in turns))
    done = run_dos("intent", "suspend", "--run-id", rid, "--reason", "diverged", "--transcript", str(transcript),
                   "--checkpoint-turn", "1", cwd=repo.path, env=env)
    assert done.returncode == 0 and "checkpoint turn 1" in done.stdout, done.stdout + done.stderr
    with transcript.open("a") as fh:  # the agent kept going down the dead end
        fh.write('{"type":"user","message":{"role":"user","content":"again"}}\n\n')
        fh.write('{"type":"assistant","message":{"role":"assistant","model":"m","content":"more"}}\n')

    rc, v = jrun(run_dos, repo.path, "rewind", "--run-id", rid)
    assert (rc, v["verdict"]) == (0, "NO_REWIND")
    rc, v = jrun(run_dos, repo.path, "rewind", "--run-id", rid, "--fire", "DIVERGED")
    assert (rc, v["verdict"], v["rewind_to_turn"], v["dropped_turns"]) == (0, "REWIND", 1, [2, 3])
    assert v["no_good_note"]["lines"] == ["resume = DIVERGED"]

    lines = transcript.read_text().splitlines()
    lines[1] = lines[1].replace("plan", "a different plan")  # history rewritten under the checkpoint
    transcript.write_text("\n".join(lines) + "\n")
    rc, v = jrun(run_dos, repo.path, "rewind", "--run-id", rid, "--fire", "DIVERGED")
    assert (rc, v["verdict"], v["rewind_to_turn"]) == (3, "UNANCHORED", -1)
    assert "digest" in v["reason"]


def test_halt_resumable_parks_the_run_for_status_and_resume(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, repo.path)
    env = {"DOS_INTENT_TOKEN": "tok"}
    run_dos("intent", "declare", "--run-id", rid, "--step", "a", "--region", "a=src/**", cwd=repo.path, env=env)
    sha = repo.commit("a", {"src/a.py": "1\n"})
    run_dos("intent", "claim", "--run-id", rid, "a", cwd=repo.path, env=env)
    out = json.loads(run_dos("halt", "--handle", "4242", "--run-id", rid, "--resumable", "--resume-sha", "HEAD",
                             "--owner", "ops", cwd=repo.path).stdout)
    assert out["suspended"] is True and "parked" in out["suspend_note"]
    rc, d = jrun(run_dos, repo.path, "status", rid)
    assert d["stopped_by"] == "suspended" and d["resume"]["verdict"] == "COMPLETE" and d["resume"]["resume_sha"] == sha
    rc, shown = jrun(run_dos, repo.path, "intent", "show", "--run-id", rid)
    assert shown["records"][-1]["op"] == "SUSPEND" and shown["records"][-1]["author"] == "operator:ops"
    plain = json.loads(run_dos("halt", "--handle", "1", "--resumable", cwd=repo.path).stdout)
    assert plain["suspended"] is False


def test_status_of_a_run_nobody_knows_is_stalled_without_a_resume(repo: Repo, run_dos: Callable[..., Any]) -> None:
    repo.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, repo.path)
    rc, d = jrun(run_dos, repo.path, "status", rid, "--now-ms", str(2 ** 44))
    assert rc == 4 and d["liveness"]["verdict"] == "STALLED" and d["resume"]["verdict"] == "UNRESUMABLE"
    assert run_dos("status", "not-a-run", cwd=repo.path).returncode == 2
    rc, r = jrun(run_dos, repo.path, "resume", "--run-id", rid)
    assert (rc, r["verdict"]) == (4, "UNRESUMABLE")
    rc, c = jrun(run_dos, repo.path, "complete", "--run-id", rid)
    assert (rc, c["state"]) == (4, "INDETERMINATE")
    assert run_dos("trace", rid, cwd=repo.path).returncode == 1


def test_the_ledger_exports_to_intent_jsonl_and_imports_into_another_store(
        make_repo: Callable[..., Repo], run_dos: Callable[..., Any]) -> None:
    src, dst = make_repo("src"), make_repo("dst")
    src.commit("init", {"README.md": "hi\n"})
    rid = mint(run_dos, src.path)
    env = {"DOS_INTENT_TOKEN": "tok"}
    run_dos("intent", "declare", "--run-id", rid, "--step", "a", "--step", "b", cwd=src.path, env=env)
    src.commit("a", {"a.py": "1\n"})
    run_dos("intent", "claim", "--run-id", rid, "a", cwd=src.path, env=env)
    out = src.path.parent / "intent.jsonl"
    assert run_dos("journal", "export", "--intent", rid, "-o", str(out), cwd=src.path).returncode == 0
    recs = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["op"] for r in recs] == ["INTENT", "STEP_CLAIMED", "STEP_VERIFIED"]
    assert all(r["run_id"] == rid and r["schema"] == {"family": "intent-ledger", "version": 1} and r["ts"]
               for r in recs)
    done = run_dos("journal", "import", "--intent", str(out), cwd=dst.path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == 3
    assert run_dos("journal", "import", "--intent", str(out), cwd=dst.path).returncode == 2  # it has a writer now
    a = json.loads(run_dos("intent", "show", "--run-id", rid, "--json", cwd=src.path).stdout)["state"]
    b = json.loads(run_dos("intent", "show", "--run-id", rid, "--json", cwd=dst.path).stdout)["state"]
    assert a == b
