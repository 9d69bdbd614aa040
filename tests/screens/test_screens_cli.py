"""dos top, dos decisions and the plan board through the real CLI: frames, JSON, exit codes, no writes."""

from __future__ import annotations

import json

from tests.screens.kit import PLAN


def dump(ws) -> list[str]:
    """Every row of every table (a checkpoint may rewrite pages; the content must not change)."""
    import sqlite3

    conn = sqlite3.connect(ws / ".dos" / "store.sqlite3")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_top_once_and_json_on_a_fresh_workspace_write_nothing(fleet_ws, run_dos) -> None:
    once = run_dos("top", "--once", cwd=fleet_ws.path)
    assert once.returncode == 0 and "LANES" in once.stdout and "read-only" in once.stdout
    out = run_dos("top", "--json", cwd=fleet_ws.path)
    snap = json.loads(out.stdout)
    assert {"workspace", "now", "initialized", "lanes", "verdicts", "activity"} <= set(snap)
    assert [r["lane"] for r in snap["lanes"]] == ["api", "docs", "src", "global"]
    assert not (fleet_ws.path / ".dos").exists()


def test_top_shows_holders_and_escapes_control_characters(fleet_ws, run_dos) -> None:
    ws = fleet_ws.path
    evil = "mallory\x1b[2J\x1b]0;pwn\x07"
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", evil, cwd=ws).returncode == 0
    out = run_dos("top", "--once", cwd=ws)
    line = next(ln for ln in out.stdout.splitlines() if ln.lstrip(" *").startswith("api"))
    assert "mallory" in line and "\x1b" not in out.stdout and "\x07" not in out.stdout
    data = json.loads(run_dos("top", "--json", cwd=ws).stdout)
    assert data["lanes"][0]["holder"] == evil  # JSON keeps the exact string


def test_a_pipe_gets_a_plain_frame_even_without_once(fleet_ws, run_dos) -> None:
    out = run_dos("top", cwd=fleet_ws.path)
    assert out.returncode == 0 and out.stdout.startswith("┌─ dos top")


def test_decisions_list_json_and_show(fleet_ws, run_dos) -> None:
    ws = fleet_ws.path
    empty = run_dos("decisions", cwd=ws)
    assert empty.returncode == 0 and "none pending" in empty.stdout
    shown = run_dos("decisions", "show", "1", cwd=ws)
    assert shown.returncode == 1 and "no pending decisions" in shown.stderr
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    assert run_dos("halt", "--handle", "777", "--lane", "api", cwd=ws).returncode == 0
    listed = run_dos("decisions", cwd=ws)
    assert listed.returncode == 0 and "LIVENESS" in listed.stdout and "kill -TERM 777" in listed.stdout
    items = json.loads(run_dos("decisions", "--json", cwd=ws).stdout)
    assert [x["kind"] for x in items] == ["LIVENESS", "OVER_CLAIM"] and items[0]["index"] == 1
    detail = run_dos("decisions", "show", "2", cwd=ws)
    assert detail.returncode == 0 and "OVER_CLAIM" in detail.stdout and "dos verify AUTH AUTH1" in detail.stdout
    bare = run_dos("decisions", "2", cwd=ws)
    assert bare.stdout == detail.stdout
    one = json.loads(run_dos("decisions", "show", "1", "--json", cwd=ws).stdout)
    assert one["kind"] == "LIVENESS"


def test_decisions_bad_targets_are_contract_errors(fleet_ws, run_dos) -> None:
    ws = fleet_ws.path
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    assert run_dos("halt", "--handle", "777", "--lane", "api", cwd=ws).returncode == 0
    for args, needle in ((["show", "9"], "out of range (1..1)"), (["show", "x"], "expected a decision number"),
                         (["show"], "needs a number")):
        r = run_dos("decisions", *args, cwd=ws)
        assert r.returncode == 2 and needle in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_screens_leave_the_log_unchanged(fleet_ws, run_dos) -> None:
    ws = fleet_ws.path
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    seq = run_dos("journal", "seq", cwd=ws).stdout
    db = dump(ws)
    for verb in (["top", "--once"], ["top", "--json"], ["decisions", "--all"], ["decisions", "--json"],
                 ["plan", "--json"], ["plan", "--once"]):
        assert run_dos(*verb, cwd=ws).returncode == 0, verb
    assert run_dos("journal", "seq", cwd=ws).stdout == seq
    assert dump(ws) == db


def test_interval_is_validated(fleet_ws, run_dos) -> None:
    r = run_dos("top", "--interval", "0.1", cwd=fleet_ws.path)
    assert r.returncode == 2 and "--interval" in r.stderr
