"""The fleet soak (bench/soak.py) for 60 s: agents on four simulated hosts against one PostgreSQL.

Sixteen agent processes (four per network namespace, each namespace a host with its own
DISPATCH_HOST_ID) acquire, beat, release, run the pretool hook and let leases lapse, while
a chaos loop SIGKILLs them at random and the log is compacted. The independent checker
(bench/overlap_check.py) reads every event the store wrote. Nothing here bounds wall time
or latency: the run is judged by what happened, not how fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.store_pg.test_overlap_check import BENCH

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def report() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run = subprocess.run([sys.executable, str(BENCH / "soak.py"), "--seconds", "60", "--agents", "16", "--hosts", "4",
                          "--kill-every", "2", "--compact-every", "20", "--json"],
                         capture_output=True, text=True, env=env, timeout=900, cwd=Path(BENCH).parent)
    assert run.stdout.strip().startswith("{"), f"exit {run.returncode}: {run.stderr[-2000:]}"
    got = json.loads(run.stdout)
    got["exit"] = run.returncode
    return got


def test_four_hosts_are_four_network_namespaces_and_none_is_left_behind(report: dict) -> None:
    if os.geteuid() == 0:
        assert report["netns"] and len(report["namespaces"]) == 4, report["fallback"]
        assert len(set(report["server_addresses"])) == 4
    else:
        assert not report["netns"] and "root" in report["fallback"]
    assert report["namespaces_left"] == []


def test_the_independent_checker_finds_no_double_grant_in_the_whole_log(report: dict) -> None:
    checker = report["checker"]
    assert checker["grants"] > 0 and checker["events"] > checker["grants"]
    assert checker["double_grants"] == 0, checker["double_grant_examples"]
    assert checker["anomalies"] == 0, checker["anomaly_examples"]
    assert report["phantom_grants"] == {}  # every grant an agent was told of is in the log
    assert report["dead_scavenges_of_unkilled"] == []  # "holder process is gone" only for killed agents


def test_every_kind_of_operation_happened(report: dict) -> None:
    assert report["happened"] and all(report["happened"].values()), report["happened"]
    assert report["kills"] > 0 and report["spawned"] > 16
    for op in ("acquire", "heartbeat", "release", "hook_own", "hook_other", "lapsed_beat", "compact"):
        entry = report["operations"][op]
        assert entry["count"] > 0 and entry["p50_ms"] is not None and entry["p99_ms"] >= entry["p50_ms"]


def test_no_agent_failed_other_than_by_sigkill(report: dict) -> None:
    assert report["errors"] == {}, report["error_examples"]
    assert report["crashes"] == [] and report["unexpected_exits"] == [] and report["compaction_errors"] == []
    assert report["hook_own_not_allowed"] == []  # a freshly beaten exclusive lease: the hook allows its holder
    assert report["lapsed_beat_revived"] == []  # a beat after the TTL finds nothing


def test_memory_does_not_grow(report: dict) -> None:
    mem = report["memory"]
    for key in ("agent_rss_median_mb", "postgres_pss_mb"):
        first, last = mem[key]["first"], mem[key]["last"]
        assert first and last, (key, mem)
        assert last <= first * (1 + mem["tolerance"]) + mem["slack_mb"], (key, mem)


def test_the_run_passes_as_a_whole(report: dict) -> None:
    assert report["pass"] and report["exit"] == 0, [k for k, ok in report["checks"].items() if not ok]
