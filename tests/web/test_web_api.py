"""dos serve's JSON API and pages against the CLI's --json, the live stream, and reading without writing."""

from __future__ import annotations

import json

import httpx

from tests.screens.kit import PLAN
from tests.screens.test_screens_cli import dump

MOVING = {"now", "now_ms", "heartbeat_age_ms", "expires_in_ms", "age_ms", "age_seconds", "liveness_reason"}


def steady(obj):
    """OBJ without the fields that move with the clock between two reads."""
    if isinstance(obj, dict):
        return {k: steady(v) for k, v in obj.items() if k not in MOVING}
    if isinstance(obj, list):
        return [steady(v) for v in obj]
    return obj


def prepare(fleet_ws, run_dos) -> None:
    ws = fleet_ws.path
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", "--session", "s-a",
                   "--run-id", "RID-01JA0000000007", cwd=ws).returncode == 0
    assert run_dos("halt", "--handle", "99", "--lane", "api", "--reason", "stuck", cwd=ws).returncode == 0


def test_api_serves_the_same_shapes_as_json(fleet_ws, run_dos, serve) -> None:
    prepare(fleet_ws, run_dos)
    s = serve()
    ws = fleet_ws.path
    pairs = (("api/top", ["top", "--json"]), ("api/decisions", ["decisions", "--json"]),
             ("api/decisions?all=1", ["decisions", "--json", "--all"]), ("api/plan", ["plan", "--json"]))
    for path, verb in pairs:
        api = httpx.get(s.url + path).json()
        cli = json.loads(run_dos(*verb, cwd=ws).stdout)
        assert steady(api) == steady(cli), path
    top = httpx.get(s.url + "api/top").json()
    assert [(r["lane"], r["holder"]) for r in top["lanes"]][0] == ("api", "alice")


def test_journal_api_passes_its_filters_through(fleet_ws, run_dos, serve) -> None:
    prepare(fleet_ws, run_dos)
    ws = fleet_ws.path
    assert run_dos("verify", "AUTH", "AUTH1", cwd=ws).returncode == 1
    s = serve()
    got = httpx.get(s.url + "api/journal", params={"syscall": "verify"}).json()
    assert got and all(r["syscall"] == "verify" for r in got)
    assert httpx.get(s.url + "api/journal", params={"syscall": "no-such"}).json() == []
    bad = httpx.get(s.url + "api/journal", params={"limit": "many"})
    assert bad.status_code == 400 and "limit" in bad.json()["error"]
    page = httpx.get(s.url + "journal", params={"syscall": "verify"})
    assert page.status_code == 200 and "AUTH::AUTH1" in page.text


def test_pages_render_and_a_run_timeline(fleet_ws, run_dos, serve) -> None:
    prepare(fleet_ws, run_dos)
    s = serve()
    for path in ("", "decisions", "decisions?all=1", "plan", "journal"):
        r = httpx.get(s.url + path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert "script-src 'self'" in r.headers["content-security-policy"]
    run = httpx.get(s.url + "run", params={"run_id": "RID-01JA0000000007"})
    assert run.status_code == 200 and "alice" in run.text and "ACQUIRE" in run.text and "HALT" in run.text
    assert httpx.get(s.url + "run").status_code == 400
    frag = httpx.get(s.url, headers={"X-DOS-Fragment": "1"})
    assert frag.text.startswith("<div id=frag") and "<html" not in frag.text
    assert httpx.get(s.url + "api/timeline", params={"run_id": "RID-01JA0000000007"}).json()["leases"][0][
        "holder"] == "alice"


def test_the_stream_pushes_a_new_seq_when_another_process_decides(fleet_ws, run_dos, serve) -> None:
    s = serve()
    with httpx.stream("GET", s.url + "api/stream", timeout=30) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        first = _next_event(lines)
        assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "bob", cwd=fleet_ws.path).returncode == 0
        second = _next_event(lines)
    assert second["seq"] > first["seq"]


def _next_event(lines) -> dict:
    for line in lines:
        if line.startswith("data: "):
            return json.loads(line[6:])
    raise AssertionError("the stream ended")


def test_the_dashboard_writes_nothing(fleet_ws, run_dos, serve) -> None:
    prepare(fleet_ws, run_dos)
    before = dump(fleet_ws.path)
    s = serve()
    for path in ("", "decisions?all=1", "plan", "journal", "run?run_id=RID-01JA0000000007", "api/top",
                 "api/decisions?all=1", "api/plan", "api/journal", "api/health"):
        assert httpx.get(s.url + path).status_code == 200, path
    assert httpx.post(s.url + "api/ops/halt", json={"lease_id": "x"}).status_code in (404, 405)
    assert dump(fleet_ws.path) == before


def test_metrics_are_mounted_only_when_the_exporter_exists(fleet_ws, serve) -> None:
    import importlib.util

    s = serve()
    r = httpx.get(s.url + "metrics")
    from dos.web.app import _metrics_function

    if importlib.util.find_spec("dos.service.export") is not None and _metrics_function() is not None:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    else:
        assert r.status_code == 404
