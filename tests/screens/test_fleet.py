"""dos top's snapshot through the service: lanes, holders, expiry, liveness as the kernel judges it."""

from __future__ import annotations

from dos.kernel.lease import Op
from dos.service import fleet
from dos.service.progress import SPAWN_PENDING_MS, roster
from dos.testing import FakeClock
from tests.hooks.hookkit import call_hook
from tests.screens.kit import MIN, acquire, context, row

REFERENCE_KEYS = {"lane", "chip", "loop_ts", "holder", "heartbeat_age_ms", "liveness_reason", "is_exclusive"}


def test_fresh_workspace_shows_every_declared_lane_free_and_creates_no_store(fleet_ws) -> None:
    with context(fleet_ws.path) as ctx:
        snap = fleet.snapshot(ctx)
    assert [r["lane"] for r in snap["lanes"]] == ["api", "docs", "src", "global"]
    assert all(r["chip"] == fleet.CHIPS["FREE"] and REFERENCE_KEYS <= set(r) for r in snap["lanes"])
    assert snap["tally"]["free"] == 4 and snap["activity"][0]["subject"] == "init"
    assert not (fleet_ws.path / ".dos").exists(), "a screen must not create the store"


def test_holder_session_fence_mode_and_countdown(fleet_ws) -> None:
    clock = FakeClock()
    with context(fleet_ws.path, clock) as ctx:
        lease = acquire(ctx, "api", "alice", session="s-1", ttl_ms=10 * MIN, run_id="RID-01JA0000000000")
        clock.advance(90)
        r = row(fleet.snapshot(ctx), "api")
    assert (r["holder"], r["session"], r["fence"], r["mode"], r["lease_id"]) == (
        "alice", "s-1", lease.fence, "exclusive", lease.lease_id)
    assert r["expires_in_ms"] == 10 * MIN - 90_000 and r["heartbeat_age_ms"] == 90_000 and r["live"] is True


def test_liveness_is_what_the_supervisor_roster_says_at_every_age(fleet_ws) -> None:
    """ADVANCING while young, SPINNING past grace with fresh beats, STALLED with old beats, then expired."""
    clock = FakeClock()
    with context(fleet_ws.path, clock) as ctx:
        acquire(ctx, "api", "alice", ttl_ms=180 * MIN)
        seen = []
        for step in range(8):
            snap = fleet.snapshot(ctx)
            lanes, _ = roster(ctx, snap["now_ms"])
            expected = {x.lane: (str(x.liveness) if x.liveness else None) for x in lanes}
            assert {r["lane"]: r["liveness"] for r in snap["lanes"]} == expected
            seen.append(row(snap, "api")["liveness"])
            clock.advance(10 * 60)
            if step < 4:
                ctx.store.heartbeat(lane="api", holder="alice")
        clock.advance(200 * 60)
        snap = fleet.snapshot(ctx)
        lanes, _ = roster(ctx, snap["now_ms"])
        assert row(snap, "api")["liveness"] == str(lanes[0].liveness) == "STALLED"
        assert row(snap, "api")["live"] is False and "TTL" in row(snap, "api")["liveness_reason"]
    assert {"ADVANCING", "SPINNING", "STALLED"} <= set(seen), seen


def test_adopt_counts_as_a_beat_as_in_the_kernel(fleet_ws) -> None:
    clock = FakeClock()
    with context(fleet_ws.path, clock) as ctx:
        acquire(ctx, "api", "alice", ttl_ms=180 * MIN)
        clock.advance(40 * 60)
        ctx.store.adopt(lane="api", new_holder="bob")
        clock.advance(60)
        snap = fleet.snapshot(ctx)
        lanes, _ = roster(ctx, snap["now_ms"])
        assert row(snap, "api")["holder"] == "bob"
        assert row(snap, "api")["liveness"] == str(lanes[0].liveness)


def test_pending_spawn_shows_until_its_window_passes(fleet_ws) -> None:
    clock = FakeClock()
    with context(fleet_ws.path, clock) as ctx:
        ctx.store.spawn("docs", holder="worker-7", run_id="RID-X")
        r = row(fleet.snapshot(ctx), "docs")
        assert r["chip"] == fleet.CHIPS["SPAWNING"] and r["pending_spawn"]["holder"] == "worker-7"
        clock.advance(SPAWN_PENDING_MS / 1000 + 1)
        assert row(fleet.snapshot(ctx), "docs")["chip"] == fleet.CHIPS["FREE"]


def test_shared_holders_each_get_a_row_and_undeclared_lanes_follow_the_declared(fleet_ws) -> None:
    """A lane dropped from dos.toml while held still shows, after the declared ones."""
    with context(fleet_ws.path) as ctx:
        acquire(ctx, "docs", "a", mode="shared")
        acquire(ctx, "docs", "b", mode="shared")
        acquire(ctx, "api", "c")
    toml = (fleet_ws.path / "dos.toml").read_text()
    (fleet_ws.path / "dos.toml").write_text(toml.replace('"api", ', "").replace('api = ["api/**"]\n', ""))
    with context(fleet_ws.path) as ctx:
        snap = fleet.snapshot(ctx)
    lanes = [(r["lane"], r["holder"]) for r in snap["lanes"]]
    assert lanes.index(("docs", "a")) < lanes.index(("docs", "b")) < lanes.index(("global", "")) < lanes.index(
        ("api", "c"))
    assert snap["tally"]["leases"] == 3


def test_denies_and_refused_stops_are_what_the_hooks_recorded(fleet_ws) -> None:
    ws = fleet_ws.path
    with context(ws) as ctx:
        acquire(ctx, "src", "agentA", session="sess-A")
        ctx.store.record(Op.CLAIM, holder="sess-B", data={"session": "sess-B", "plan": "AUTH", "phase": "AUTH9"})
    write = {"session_id": "sess-B", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Edit",
             "tool_input": {"file_path": str(ws / "src/app.py")}}
    assert call_hook("pretool", write).code == 2
    stop = {"session_id": "sess-B", "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False}
    assert call_hook("stop", stop).code == 2
    with context(ws) as ctx:
        snap = fleet.snapshot(ctx)
    (deny,) = snap["denies"]
    assert (deny["session"], deny["lane"], deny["tool"]) == ("sess-B", "src", "Edit")
    assert row(snap, "src")["denies"] == 1
    (refused,) = snap["refused_stops"]
    assert refused["session"] == "sess-B" and refused["token"] == "UNVERIFIED_CLAIM"
    assert snap["denies_recent"] == 1 and snap["refused_stops_recent"] == 1


def test_timeline_gathers_a_runs_leases_events_hooks_and_commits(fleet_ws) -> None:
    ws = fleet_ws.path
    with context(ws) as ctx:
        acquire(ctx, "src", "agentA", session="sess-A", run_id="RID-01JA0000000001")
        ctx.store.heartbeat(lane="src", holder="agentA")
    write = {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Edit",
             "tool_input": {"file_path": str(ws / "docs/guide.md")}}
    call_hook("pretool", write)
    fleet_ws.commit("work while holding src", files={"src/app.py": "b\n"})
    with context(ws) as ctx:
        ctx.store.release(lane="src", holder="agentA")
        t = fleet.timeline(ctx, run_id="RID-01JA0000000001")
    assert [x["holder"] for x in t["leases"]] == ["agentA"]
    assert [e["op"] for e in t["events"]] == ["ACQUIRE", "HEARTBEAT", "RELEASE"]
    assert any(c["subject"] == "work while holding src" for c in t["commits"])
    assert all(h["session"] == "sess-A" for h in t["hooks"])


def test_log_position_moves_with_each_decision(fleet_ws) -> None:
    with context(fleet_ws.path) as ctx:
        before = fleet.log_position(ctx)
        acquire(ctx, "api", "alice")
        after = fleet.log_position(ctx)
    assert after[0] == before[0] + 1
