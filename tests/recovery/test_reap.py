"""``dos reap``: the supervisor's REAP plans become SCAVENGE events, only for leases that already expired."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from dos.config import Workspace
from dos.kernel.lanes import LaneRequest
from dos.kernel.lease import Op
from dos.service.context import Context
from dos.service.intents import declare, suspend
from dos.service.reap import reap
from dos.testing import FakeClock
from tests.conftest import Repo, dos_env
from tests.store.conftest import StoreFactory

DOS_TOML = '[lanes]\nconcurrent = ["api", "docs"]\nexclusive = []\n\n[lanes.trees]\napi = ["api/**"]\ndocs = ["docs/**"]\n'
STORE_WORKER = Path(__file__).resolve().parents[1] / "store" / "worker.py"


def test_reap_scavenges_expired_leases_and_holds_live_ones(store_factory: StoreFactory, repo: Repo,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    repo.write("dos.toml", DOS_TOML)
    repo.commit("init")
    for k, v in store_factory.env.items():
        monkeypatch.setenv(k, v)
    clock = FakeClock(1_800_000_000_000)
    with Context(Workspace(repo.path, "--workspace"), clock=clock) as ctx:
        stale = ctx.store.acquire(LaneRequest(lane="api"), holder="w1", ttl_ms=60_000, run_id="RID-1M8VF35AG2SZP00")
        rid = "RID-1M8VF35AG2SZP00"
        declare(ctx, rid, goal="g", token="t")
        suspend(ctx, rid, reason="parked", token="t")
        clock.advance(3600)
        fresh = ctx.store.acquire(LaneRequest(lane="docs"), holder="w2", ttl_ms=10 * 3600_000)
        dry = reap(ctx)
        assert dry.verdict == "PLANNED" and dry.to_dict()["would_reap"] == [stale.lease.lease_id]
        assert "suspended" in dry.items[0].why
        assert ctx.store.events(ops=[Op.SCAVENGE]) == []  # a dry run writes nothing
        applied = reap(ctx, apply=True)
        assert applied.to_dict()["reaped"] == [stale.lease.lease_id]
        [ev] = ctx.store.events(ops=[Op.SCAVENGE])
        assert ev.reason == "supervisor: STALLED" and ev.lease_id == stale.lease.lease_id
        assert [x.lease_id for x in ctx.store.live_leases()] == [fresh.lease.lease_id]
        assert ctx.store.view().keys() == {fresh.lease.lease_id}
        again = reap(ctx, apply=True)
        assert again.to_dict()["reaped"] == []
        from dos.service.intents import ledger

        assert ledger(ctx).state(rid).suspended  # the run's ledger is never reaped


def test_reap_through_the_cli_frees_a_killed_workers_lane(repo: Repo, run_dos: Callable[..., Any],
                                                          tmp_path: Path) -> None:
    repo.write("dos.toml", DOS_TOML)
    repo.commit("init")
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, str(STORE_WORKER), "hold", str(repo.path), "api", "w1", "3600000",
                             str(ready)], env=dos_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    held = json.loads(proc.stdout.readline())
    while not ready.exists():
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    dry = run_dos("reap", "--json", cwd=repo.path)
    assert dry.returncode == 0 and json.loads(dry.stdout)["would_reap"] == [held["lease_id"]]
    text = run_dos("reap", cwd=repo.path)
    assert text.stdout.startswith("PLANNED") and "pass --apply" in text.stdout
    done = run_dos("reap", "--apply", "--json", "--journal", cwd=repo.path)
    out = json.loads(done.stdout)
    assert done.returncode == 0 and out["reaped"] == [held["lease_id"]] and out["journal"]["due"] is False
    assert json.loads(run_dos("lease-lane", "live", cwd=repo.path).stdout) == []
    tail = [json.loads(x) for x in run_dos("journal", "tail", "0", cwd=repo.path).stdout.splitlines()]
    assert [r["op"] for r in tail][-1] == "SCAVENGE" and tail[-1]["reason"] == "supervisor: STALLED"
