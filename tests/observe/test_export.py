"""`dos export` against real receivers on 127.0.0.1: a file, a UDP StatsD listener, an OTLP/HTTP
collector decoding the official protobuf messages, a Prometheus textfile and Pushgateway; cursors
persisted per exporter; an export interrupted mid-way resumes with nothing lost and nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dos.service import journal
from dos.testing import FakeClock
from tests.conftest import SRC, dos_env
from tests.observe.kit import context, workspace
from tests.observe.receivers import Collector, StatsdListener, Webhook, attrs


def _seed(root: Path, n: int, start: int = 0) -> None:
    clock = FakeClock(1_800_000_000_000 + start * 1000)
    with context(root, clock) as ctx:
        for i in range(start, start + n):
            token = ("SHIPPED", "NOT_SHIPPED", "REFUSE")[i % 3]
            journal.record(ctx, ("verify", "verify", "acquire")[i % 3], journal.Outcome(token, "r"),
                           run_id=f"RID-{i % 2}", subject=f"S{i}", detail={"n": i})
            clock.advance(1)


@pytest.fixture
def ws(repo) -> Path:
    root = workspace(repo)
    _seed(root, 5)
    return root


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_file_export_persists_its_cursor_by_default(ws, run_dos) -> None:
    out = ws / "out.jsonl"
    first = run_dos("export", "--to", "file", "--path", str(out), cwd=ws)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "# export · 5 event(s) pending · transport=file",
        f"  → shipped 5/5 via file: appended 5 event(s) to {out}", "  cursor: 5  (persisted)"]
    again = run_dos("export", "--to", "file", "--path", str(out), cwd=ws)
    assert again.returncode == 0 and "0 event(s) pending (since seq 5)" in again.stdout
    assert [r["seq"] for r in _lines(out)] == [1, 2, 3, 4, 5]  # the reference re-ships; DOS does not
    rec = _lines(out)[0]
    assert rec["schema_family"] == "verdict-journal" and rec["schema_version"] == 1
    assert {k: rec[k] for k in ("syscall", "verdict", "run_id", "subject", "detail", "source")} == {
        "syscall": "verify", "verdict": "SHIPPED", "run_id": "RID-0", "subject": "S0", "detail": {"n": 0},
        "source": "kernel"}
    _seed(ws, 2, start=5)
    assert "shipped 2/2" in run_dos("export", "--to", "file", "--path", str(out), cwd=ws).stdout
    assert [r["seq"] for r in _lines(out)] == [1, 2, 3, 4, 5, 6, 7]
    replay = run_dos("export", "--to", "file", "--path", str(ws / "replay.jsonl"), "--since", "5", "--json", cwd=ws)
    got = json.loads(replay.stdout)
    assert got["persist"] is False and got["shipped"] == 2 and got["result"]["cursor"] == "7"
    listing = json.loads(run_dos("export", "--list", "--json", cwd=ws).stdout)
    assert {"name": f"file:{out}", "seq": 7} in [{k: c[k] for k in ("name", "seq")} for c in listing["cursors"]]
    assert not any(c["name"].endswith("replay.jsonl") for c in listing["cursors"])


def test_dry_run_sends_nothing_and_fails_where_the_send_would(ws, run_dos) -> None:
    out = ws / "dry.jsonl"
    dry = run_dos("export", "--to", "file", "--path", str(out), "--dry-run", cwd=ws)
    assert dry.returncode == 0 and "[dry-run] would append 5 event(s)" in dry.stdout and not out.exists()
    assert json.loads(run_dos("export", "--list", "--json", cwd=ws).stdout)["cursors"] == []
    for extra in ((), ("--dry-run",)):
        nowhere = run_dos("export", "--to", "file", "--path", str(ws / "missing" / "x.jsonl"), *extra, cwd=ws)
        assert nowhere.returncode == 1, extra
        assert "does not exist" in nowhere.stdout


def test_unknown_exporter_is_a_usage_error(ws, run_dos) -> None:
    out = run_dos("export", "--to", "carrier-pigeon", cwd=ws)
    assert out.returncode == 2
    assert "unknown exporter 'carrier-pigeon'; known: file, null, otlp, prometheus, statsd" in out.stderr


def test_null_reports_and_moves_no_cursor(ws, run_dos) -> None:
    out = run_dos("export", cwd=ws)
    assert out.returncode == 0
    assert "→ NOT shipped 0/5 via null: null sink (no transport configured) — 5 event(s) not shipped" in out.stdout
    assert "0/5" in run_dos("export", cwd=ws).stdout


def test_statsd_counters_over_udp(ws, run_dos) -> None:
    listener = StatsdListener()
    try:
        out = run_dos("export", "--to", "statsd", "--port", str(listener.port), cwd=ws)
        assert out.returncode == 0, out.stderr
        assert f"sent 3 counter(s) for 5 event(s) to 127.0.0.1:{listener.port}" in out.stdout
        got = sorted(listener.packets(3))
    finally:
        listener.close()
    assert got == ["dos.verdict:1|c|#syscall:acquire,verdict:REFUSE",
                   "dos.verdict:2|c|#syscall:verify,verdict:NOT_SHIPPED",
                   "dos.verdict:2|c|#syscall:verify,verdict:SHIPPED"]


def test_otlp_logs_traces_and_metrics_correlated_by_run(ws, run_dos) -> None:
    collector = Collector()
    try:
        out = run_dos("export", "--to", "otlp", "--endpoint", collector.url, cwd=ws,
                      env={"OTEL_EXPORTER_OTLP_HEADERS": "x-team=dos%20fleet"})
        assert out.returncode == 0, out.stdout + out.stderr
        records, spans, points = collector.log_records(), collector.spans(), collector.points()
    finally:
        collector.close()
    assert len(records) == 5 and len(spans) == 5
    by_seq = {attrs(r)["dos.seq"]: r for r in records}
    assert sorted(by_seq) == [1, 2, 3, 4, 5]
    first = by_seq[1]
    assert attrs(first)["dos.syscall"] == "verify" and attrs(first)["dos.verdict"] == "SHIPPED"
    assert attrs(first)["dos.detail.n"] == 0 and first.time_unix_nano == 1_800_000_000_000 * 1_000_000
    assert (first.severity_number, first.severity_text) == (9, "INFO")
    assert (by_seq[3].severity_number, by_seq[3].severity_text) == (17, "ERROR")  # acquire REFUSE
    assert by_seq[2].severity_text == "WARN"  # NOT_SHIPPED
    runs = {attrs(r)["dos.run_id"]: set() for r in records}
    for r in records:
        runs[attrs(r)["dos.run_id"]].add(r.trace_id)
    assert all(len(ids) == 1 for ids in runs.values()) and len({next(iter(v)) for v in runs.values()}) == 2
    span_ids = {(s.trace_id, s.span_id) for s in spans}
    assert {(r.trace_id, r.span_id) for r in records} == span_ids
    assert sum(p.as_int for p in points) == 5
    for p in points:
        assert (p.exemplars[0].trace_id, p.exemplars[0].span_id) in span_ids
    assert all({k.lower(): v for k, v in h.items()}.get("x-team") == "dos fleet" for h in collector.headers)


def test_a_transient_collector_failure_is_retried(ws, run_dos) -> None:
    collector = Collector(fail_on=(2,))
    try:
        out = run_dos("export", "--to", "otlp", "--endpoint", collector.url, "--batch", "2", cwd=ws)
        assert out.returncode == 0, out.stdout
        seqs = [attrs(r)["dos.seq"] for r in collector.log_records()]
    finally:
        collector.close()
    assert sorted(seqs) == [1, 2, 3, 4, 5] and collector.seen["/v1/logs"] == 4


def test_otlp_export_failing_mid_way_resumes_with_nothing_lost_or_twice(ws, run_dos) -> None:
    _seed(ws, 5, start=5)
    collector = Collector(fail_on=(3, 4, 5))  # the third batch fails, and so do both retries
    try:
        first = run_dos("export", "--to", "otlp", "--endpoint", collector.url, "--batch", "2", "--json", cwd=ws)
        assert first.returncode == 1
        got = json.loads(first.stdout)
        assert got["ok"] is False and got["result"]["cursor"] == "4" and "HTTP 503" in got["result"]["detail"]
        assert sorted(attrs(r)["dos.seq"] for r in collector.log_records()) == [1, 2, 3, 4]
        second = run_dos("export", "--to", "otlp", "--endpoint", collector.url, "--batch", "2", cwd=ws)
        assert second.returncode == 0, second.stdout
        assert "6 event(s) pending (since seq 4)" in second.stdout
        seqs = [attrs(r)["dos.seq"] for r in collector.log_records()]
        spans = [attrs(s)["dos.seq"] for s in collector.spans()]
    finally:
        collector.close()
    assert sorted(seqs) == list(range(1, 11)) and sorted(spans) == list(range(1, 11))


def test_an_export_killed_mid_batch_resumes_from_its_cursor(ws, run_dos) -> None:
    _seed(ws, 5, start=5)
    collector = Collector(hold_on=3)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "dos", "export", "--to", "otlp", "--endpoint", collector.url,
                                 "--batch", "2"], cwd=ws, env=dos_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert collector.holding.wait(60), "the exporter never reached its third batch"
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        collector.release.set()
        assert sorted(attrs(r)["dos.seq"] for r in collector.log_records()) == [1, 2, 3, 4]
        again = run_dos("export", "--to", "otlp", "--endpoint", collector.url, "--batch", "2", cwd=ws)
        assert again.returncode == 0, again.stdout + again.stderr
        seqs = [attrs(r)["dos.seq"] for r in collector.log_records()]
    finally:
        collector.close()
    assert sorted(seqs) == list(range(1, 11))


def test_file_export_after_a_crash_between_append_and_cursor_writes_nothing_twice(ws, run_dos) -> None:
    from dos.service.export import set_cursor

    out = ws / "out.jsonl"
    assert run_dos("export", "--to", "file", "--path", str(out), "--batch", "2", cwd=ws).returncode == 0
    with context(ws) as ctx:  # the lines of batch 3 were appended, the cursor write never happened
        set_cursor(ctx, f"file:{out}", 4)
    with open(out, "a") as fh:
        fh.write('{"schema_family": "verdict-journal", "seq": 6, "ver')  # and a torn line after them
    again = run_dos("export", "--to", "file", "--path", str(out), "--batch", "2", cwd=ws)
    assert again.returncode == 0, again.stdout
    assert "already there from an interrupted run" in again.stdout
    assert [r["seq"] for r in _lines(out)] == [1, 2, 3, 4, 5]


def test_prometheus_textfile_and_pushgateway(ws, run_dos) -> None:
    prom = ws / "metrics" / "dos.prom"
    out = run_dos("export", "--to", "prometheus", "--path", str(prom), cwd=ws)
    assert out.returncode == 0, out.stdout + out.stderr
    text = prom.read_text()
    assert "# TYPE dos_verdicts_total counter" in text
    assert 'dos_verdicts_total{syscall="verify",verdict="SHIPPED"} 2' in text
    assert 'dos_verdicts_total{syscall="acquire",verdict="REFUSE"} 1' in text
    assert "dos_journal_seq 5" in text
    gateway = Webhook()
    try:
        out = run_dos("export", "--to", "prometheus", "--endpoint", gateway.server.url, "--since", "0", cwd=ws)
        assert out.returncode == 0, out.stdout
        req, = gateway.requests
    finally:
        gateway.close()
    assert req["method"] == "PUT" and req["path"] == f"/metrics/job/dos/instance/{ws.name}"
    assert b'dos_verdicts_total{syscall="verify",verdict="NOT_SHIPPED"} 2' in req["body"]


def test_prometheus_text_for_the_web_server(ws) -> None:
    from dos.service.export import prometheus_text

    with context(ws) as ctx:
        text = prometheus_text(ctx)
    assert text.endswith("\n") and "dos_live_leases 0" in text
    assert text.count("dos_verdicts_total{") == 3


def test_follow_ships_each_round_and_stops_at_the_cap(ws, run_dos) -> None:
    out = ws / "f.jsonl"
    got = run_dos("export", "--to", "file", "--path", str(out), "--follow", "--follow-interval", "0",
                  "--follow-max", "3", cwd=ws)
    assert got.returncode == 0
    assert got.stdout.count("# export ·") == 3 and [r["seq"] for r in _lines(out)] == [1, 2, 3, 4, 5]
    got = run_dos("export", "--to", "file", "--path", str(out), "--since", "0", "--follow", "--follow-max", "1",
                  cwd=ws)
    assert "cursor: 5  (persisted)" in got.stdout  # --follow persists even with --since N


# --------------------------------------------------------------------------- plugins


def _plugin_dist(tmp: Path) -> Path:
    """A real installed distribution on sys.path with three dos.exporters entry points."""
    site = tmp / "site"
    (site / "dosplug-1.0.dist-info").mkdir(parents=True)
    (site / "dosplug-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: dosplug\nVersion: 1.0\n")
    (site / "dosplug-1.0.dist-info" / "entry_points.txt").write_text(
        "[dos.exporters]\ncount = dosplug:Counter\nexplodes = dosplug:Explodes\nmissing = dosplug_gone:X\n"
        "file = dosplug:Counter\n")
    (site / "dosplug.py").write_text(
        "import os\n"
        "from dos.exporters import ExportResult\n"
        "class Counter:\n"
        "    name = 'count'\n"
        "    def __init__(self, root='', dry_run=False):\n"
        "        self.out = os.path.join(root, 'counted.txt')\n"
        "    target = 'here'\n"
        "    def export(self, events):\n"
        "        with open(self.out, 'a') as fh:\n"
        "            fh.write(''.join(f\"{e['seq']}\\n\" for e in events))\n"
        "        return ExportResult(len(events), 'counted', str(events[-1]['seq']))\n"
        "class Explodes:\n"
        "    def export(self, events):\n"
        "        raise RuntimeError('the plugin is broken')\n")
    return site


def test_plugins_ship_and_broken_ones_are_reported_and_skipped(ws, run_dos, tmp_path: Path) -> None:
    env = {"PYTHONPATH": f"{SRC}{os.pathsep}{_plugin_dist(tmp_path)}"}
    out = run_dos("export", "--to", "count,missing", "--to", "explodes", "--json", cwd=ws, env=env)
    assert out.returncode == 1
    runs = {r["exporter"]: r for r in json.loads(out.stdout)}
    assert runs["count"]["ok"] and runs["count"]["result"]["exported"] == 5 and runs["count"]["persist"]
    assert "failed to load: ModuleNotFoundError" in runs["missing"]["error"]
    assert runs["explodes"]["ok"] is False and "the plugin is broken" in runs["explodes"]["result"]["detail"]
    assert "warning: exporter 'missing' skipped" in out.stderr
    assert (ws / "counted.txt").read_text().split() == ["1", "2", "3", "4", "5"]
    listing = run_dos("export", "--list", cwd=ws, env=env).stdout
    assert listing.startswith("exporters: count, explodes, file, missing, null, otlp, prometheus, statsd")
    shadow = run_dos("export", "--to", "file", "--path", str(ws / "real.jsonl"), cwd=ws, env=env)
    assert shadow.returncode == 0 and (ws / "real.jsonl").exists()  # a plugin named file shadows nothing
    again = run_dos("export", "--to", "count,explodes", cwd=ws, env=env)
    assert (ws / "counted.txt").read_text().split() == ["1", "2", "3", "4", "5"]  # count's cursor held
    assert "0 event(s) pending (since seq 5) · transport=count" in again.stdout
