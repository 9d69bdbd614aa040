"""The time verbs through the real CLI: dos liveness, dos loop, dos watch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from dos.kernel.runid import mint_run_id

MIN = 60_000
TOML = """\
[lanes]
concurrent = ["api", "docs", "src"]
exclusive = ["global"]
autopick = ["api", "docs", "src"]

[lanes.trees]
api = ["api/**"]
docs = ["docs/**"]
src = ["src/**"]
global = ["**/*"]
"""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def rid(at_ms: int, n: int = 1) -> str:
    return mint_run_id(at_ms, n)


@pytest.fixture
def ws(repo):
    repo.write("dos.toml", TOML)
    repo.commit("init", files={"dos.toml": TOML})
    return repo


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr


def import_journal(run_dos, ws, records: list[dict]) -> None:
    path = ws.path / "journal.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    r = run_dos("journal", "import", str(path), cwd=ws.path)
    assert r.returncode == 0, r.stderr


class TestLiveness:
    def test_bad_run_id_is_a_contract_error(self, run_dos, ws) -> None:
        r = run_dos("liveness", "--run-id", "nope", cwd=ws.path)
        assert r.returncode == 2 and "not a run id" in r.stderr
        no_traceback(r)

    def test_fresh_run_without_a_beat_is_not_stalled(self, run_dos, ws) -> None:
        """Bug 18: 0.22 said STALLED right after minting a run id."""
        r = run_dos("liveness", "--run-id", rid(now_ms()), cwd=ws.path)
        assert r.returncode == 0 and r.stdout.startswith("ADVANCING") and "too young" in r.stdout

    def test_spinning_with_fresh_beat_past_grace(self, run_dos, ws) -> None:
        t = now_ms()
        r = run_dos("liveness", "--run-id", rid(t), "--now-ms", str(t + 60 * MIN),
                    "--last-heartbeat-age-ms", "1000", cwd=ws.path)
        assert r.returncode == 3 and r.stdout.startswith("SPINNING")

    def test_no_beat_past_spin_window_is_stalled(self, run_dos, ws) -> None:
        t = now_ms()
        r = run_dos("liveness", "--run-id", rid(t), "--now-ms", str(t + 60 * MIN), cwd=ws.path)
        assert r.returncode == 4 and r.stdout.startswith("STALLED")

    def test_zero_heartbeat_age_is_honoured(self, run_dos, ws) -> None:
        t = now_ms()
        r = run_dos("liveness", "--run-id", rid(t), "--now-ms", str(t + 60 * MIN),
                    "--last-heartbeat-age-ms", "0", "--json", cwd=ws.path)
        d = json.loads(r.stdout)
        assert r.returncode == 3 and d["evidence"]["last_heartbeat_age_ms"] == 0 and d["verdict"] == "SPINNING"

    def test_commits_since_start_sha_advance(self, run_dos, ws) -> None:
        start = ws.git("rev-parse", "HEAD").strip()
        ws.commit("work 1")
        ws.commit("work 2")
        t = now_ms()
        r = run_dos("liveness", "--run-id", rid(t), "--start-sha", start, "--now-ms", str(t + 60 * MIN),
                    "--json", cwd=ws.path)
        d = json.loads(r.stdout)
        assert r.returncode == 0 and d["evidence"]["commits_since_start"] == 2

    def test_unknown_start_sha_is_an_error_not_zero_commits(self, run_dos, ws) -> None:
        r = run_dos("liveness", "--run-id", rid(now_ms()), "--start-sha", "0123abcd", cwd=ws.path)
        assert r.returncode == 2 and "not a commit" in r.stderr
        no_traceback(r)

    def test_dead_pid_demotes_to_stalled(self, run_dos, ws) -> None:
        t = now_ms()
        r = run_dos("liveness", "--run-id", rid(t), "--last-heartbeat-age-ms", "1000",
                    "--pid", str(dead_pid()), cwd=ws.path)
        assert r.returncode == 4 and "OS reports" in r.stdout
        r = run_dos("liveness", "--run-id", rid(t), "--last-heartbeat-age-ms", "1000",
                    "--pid", str(dead_pid()), "--no-proc", cwd=ws.path)
        assert r.returncode == 0

    def test_bug17_events_counted_per_lease_not_per_lane(self, run_dos, ws) -> None:
        """acquire -> release -> re-acquire: the idle new lease is not ADVANCING (0.22 said it was)."""
        t = now_ms()
        r1, r2 = rid(t, 1), rid(t, 2)
        pid = str(os.getpid())
        assert run_dos("lease-lane", "acquire", "--lane", "src", "--kind", "cluster", "--owner", "a",
                       "--run-id", r1, "--pid", pid, cwd=ws.path).returncode == 0
        assert run_dos("lease-lane", "release", "--lane", "src", "--owner", "a", cwd=ws.path).returncode == 0
        r = run_dos("lease-lane", "acquire", "--lane", "src", "--kind", "cluster", "--owner", "a",
                    "--run-id", r2, "--pid", pid, "--ttl-seconds", "7200", cwd=ws.path)
        assert r.returncode == 0, r.stderr
        r = run_dos("liveness", "--run-id", r2, "--now-ms", str(t + 40 * MIN), "--json", cwd=ws.path)
        d = json.loads(r.stdout)
        assert d["evidence"]["journal_events_since"] == 0 and d["verdict"] == "STALLED" and r.returncode == 4
        assert d["lease_id"]
        r = run_dos("liveness", "--run-id", r1, "--now-ms", str(t + 1 * MIN), "--json", cwd=ws.path)
        assert json.loads(r.stdout)["evidence"]["journal_events_since"] == 1  # its own RELEASE

    def test_negative_window_is_a_usage_error(self, run_dos, ws) -> None:
        r = run_dos("liveness", "--run-id", rid(now_ms()), "--grace-ms", "-1", cwd=ws.path)
        assert r.returncode == 2
        no_traceback(r)


class TestLoop:
    def test_one_spawn_per_lane(self, run_dos, ws) -> None:
        """Bug 15: `dos loop --target 3` printed `spawn api` three times."""
        r = run_dos("loop", "--target", "3", cwd=ws.path)
        assert r.returncode == 0
        spawns = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("spawn ")]
        assert spawns == ["api", "docs", "src"]
        assert r.stdout.startswith("SUPERVISE FILLING: alive 0/3, admissible 3")

    def test_held_lane_not_reoffered_and_json_shape(self, run_dos, ws) -> None:
        assert run_dos("lease-lane", "acquire", "--lane", "api", "--kind", "cluster", "--owner", "a",
                       "--pid", str(os.getpid()), cwd=ws.path).returncode == 0
        r = run_dos("loop", "--target", "3", "--json", cwd=ws.path)
        d = json.loads(r.stdout)
        assert [p["lane"] for p in d["spawn"]] == ["docs", "src"] and d["alive"] == 1
        assert d["verdict"] == "FILLING" and d["evidence"]["target"] == 3

    def test_expired_lease_reaped_naming_its_holder(self, run_dos, ws) -> None:
        t = now_ms()
        import_journal(run_dos, ws, [
            {"op": "ACQUIRE", "ts_ms": t - 120 * MIN, "lane": "src", "lane_kind": "cluster",
             "tree": ["src/**"], "holder": "agentZ", "lease_id": "old-1", "ttl_ms": 10 * MIN}])
        r = run_dos("loop", "--target", "1", "--json", cwd=ws.path)
        d = json.loads(r.stdout)
        assert [(p["lane"], p["holder"]) for p in d["reap"]] == [("src", "agentZ")]

    def test_bug14_halt_after_time_spent_spinning(self, run_dos, ws) -> None:
        """A run spinning for 30 min with a 1-min-old beat gets a halt proposal at a 20-min threshold."""
        t = now_ms()
        (ws.path / "dos.toml").write_text(TOML + "\n[supervise]\nspin_halt_after_minutes = 20\n")
        import_journal(run_dos, ws, [
            {"op": "ACQUIRE", "ts_ms": t - 60 * MIN, "lane": "docs", "lane_kind": "cluster",
             "tree": ["docs/**"], "holder": "agentS", "lease_id": "spin-1", "ttl_ms": 240 * MIN,
             "run_id": rid(t - 60 * MIN)},
            {"op": "HEARTBEAT", "ts_ms": t - 1 * MIN, "lane": "docs", "lease_id": "spin-1",
             "heartbeat_ms": t - 1 * MIN}])
        r = run_dos("loop", "--target", "1", "--now-ms", str(t), cwd=ws.path)
        assert r.returncode == 0, r.stderr
        assert "flag docs" in r.stdout and "propose-halt docs" in r.stdout
        assert f"dos halt --handle {rid(t - 60 * MIN)} --lane docs" in r.stdout

    def test_watch_mode_stops_after_max_ticks(self, run_dos, ws) -> None:
        r = run_dos("loop", "--watch", "--interval", "0.01", "--max-ticks", "2", "--json", cwd=ws.path)
        assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 2

    def test_bad_target_is_a_usage_error(self, run_dos, ws) -> None:
        r = run_dos("loop", "--target", "-1", cwd=ws.path)
        assert r.returncode == 2
        no_traceback(r)


class TestWatch:
    def test_no_runs_is_an_error(self, run_dos, ws) -> None:
        r = run_dos("watch", cwd=ws.path)
        assert r.returncode == 2 and "no runs to watch" in r.stderr
        no_traceback(r)

    def test_bad_track_spec(self, run_dos, ws) -> None:
        r = run_dos("watch", "--track", "a:b:c:d:e:f", cwd=ws.path)
        assert r.returncode == 2
        no_traceback(r)

    def test_stalled_run_gets_one_halt_per_window(self, run_dos, ws) -> None:
        t = now_ms()
        run = rid(t - 90 * MIN)
        r = run_dos("watch", "--track", f"{run}::::4242", "--command", "kill 4242", "--json", cwd=ws.path)
        d = json.loads(r.stdout)
        assert r.returncode == 0 and d["proposed_halts"] == [run] and set(d["verdicts"]) == {run}
        assert d["halts"][0]["command"] == "kill 4242"
        again = json.loads(run_dos("watch", "--track", run, "--json", cwd=ws.path).stdout)
        assert again["proposed_halts"] == []
        tail = run_dos("journal", "tail", cwd=ws.path).stdout
        assert tail.count('"HALT"') == 1 and "watchdog: STALLED" in tail

    def test_budget_spares_a_young_stalled_run(self, run_dos, ws) -> None:
        t = now_ms()
        run = rid(t - 20 * MIN)
        d = json.loads(run_dos("watch", "--track", run, "--budget-ms", str(60 * MIN), "--now-ms",
                               str(t + 20 * MIN), "--json", "--no-record", cwd=ws.path).stdout)
        assert d["stalled_within_budget"] == [run] and d["proposed_halts"] == []

    def test_invalid_run_is_skipped(self, run_dos, ws) -> None:
        d = json.loads(run_dos("watch", "--track", "RID-bad", "--json", cwd=ws.path).stdout)
        assert d["skipped"] == ["RID-bad"] and d["watched"] == 1

    def test_bug22_discover_keeps_the_stop_command(self, run_dos, ws) -> None:
        t = now_ms()
        import_journal(run_dos, ws, [
            {"op": "ACQUIRE", "ts_ms": t - 60 * MIN, "lane": "docs", "lane_kind": "cluster",
             "tree": ["docs/**"], "holder": "agentS", "lease_id": "spin-2", "ttl_ms": 240 * MIN,
             "run_id": rid(t - 60 * MIN), "pid": 0},
            {"op": "HEARTBEAT", "ts_ms": t - 1 * MIN, "lane": "docs", "lease_id": "spin-2",
             "heartbeat_ms": t - 1 * MIN}])
        r = run_dos("watch", "--discover", "--command", "systemctl stop w", "--no-record", cwd=ws.path)
        assert r.returncode == 0, r.stderr
        assert "1 spinning, 1 halt proposed" in r.stdout and "stop with: systemctl stop w" in r.stdout


@pytest.mark.parametrize("verb", [["liveness", "--run-id", "RID-1M89EJA184MG000"], ["loop"],
                                  ["watch", "--track", "RID-1M89EJA184MG000"]])
def test_store_that_is_not_a_database_is_a_one_line_error(run_dos, ws, verb) -> None:
    (ws.path / ".dos").mkdir(exist_ok=True)
    (ws.path / ".dos" / "store.sqlite3").write_text("not a database at all\n" * 10)
    r = run_dos(*verb, cwd=ws.path)
    assert r.returncode not in (0, 1, 3, 4) and r.stdout == ""
    no_traceback(r)
