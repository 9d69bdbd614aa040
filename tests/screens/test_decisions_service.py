"""The queue from a real workspace: each kind appears from real records, and its command resolves it."""

from __future__ import annotations

import shlex

from dos.kernel.lease import Op
from dos.service import decisions as sd
from dos.testing import FakeClock
from tests.hooks.hookkit import call_hook
from tests.screens.kit import MIN, PLAN, acquire, context, sleeper


def kinds(ctx, **kw) -> list[str]:
    return [x.kind for x in sd.queue(ctx, **kw)]


def run_command(run_dos, cmd: str, cwd) -> None:
    words = shlex.split(cmd)
    assert words[0] == "dos", cmd
    r = run_dos(*words[1:], cwd=cwd)
    assert r.returncode == 0, r.stderr


def test_empty_workspace_has_nothing_pending(fleet_ws) -> None:
    with context(fleet_ws.path) as ctx:
        assert sd.queue(ctx, include_all=True) == []
    assert not (fleet_ws.path / ".dos").exists()


def test_expired_lease_of_a_dead_holder_and_its_command(fleet_ws, run_dos) -> None:
    proc = sleeper()
    with context(fleet_ws.path) as ctx:
        acquire(ctx, "api", "worker-1", pid=proc.pid)
        assert kinds(ctx) == []
    proc.kill()
    proc.wait()
    with context(fleet_ws.path) as ctx:
        (item,) = sd.queue(ctx)
    assert (item.kind, item.lane, item.reason_token) == ("EXPIRED", "api", "HOLDER_DEAD")
    run_command(run_dos, item.proposed_command, fleet_ws.path)
    with context(fleet_ws.path) as ctx:
        assert sd.queue(ctx, include_all=True) == []


def test_stalled_run_holding_a_lane_comes_first(fleet_ws, run_dos) -> None:
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    clock = FakeClock()
    with context(fleet_ws.path, clock) as ctx:
        acquire(ctx, "src", "slow", ttl_ms=120 * MIN)
        clock.advance(20 * 60)  # past the spin window without a beat; the TTL still holds
        got = sd.queue(ctx)
    assert [x.kind for x in got] == ["STALLED", "OVER_CLAIM"]
    assert got[0].proposed_command.startswith("dos lease-lane release --lane src --owner slow")
    assert got[1].proposed_command == "dos verify AUTH AUTH1"


def test_halt_is_pending_while_the_run_holds_its_lane(fleet_ws, run_dos) -> None:
    with context(fleet_ws.path) as ctx:
        acquire(ctx, "docs", "w2", run_id="RID-01JA0000000002")
    assert run_dos("halt", "--handle", "4242", "--lane", "docs", "--reason", "spinning", cwd=fleet_ws.path).returncode == 0
    with context(fleet_ws.path) as ctx:
        (item,) = sd.queue(ctx)
        assert (item.kind, item.proposed_command, item.handle) == ("LIVENESS", "kill -TERM 4242", "4242")
        ctx.store.release(lane="docs", holder="w2")
        assert sd.queue(ctx) == []


def test_refusal_is_backpressure_shown_with_all(fleet_ws) -> None:
    with context(fleet_ws.path) as ctx:
        acquire(ctx, "api", "alice")
        from dos.kernel.lanes import LaneRequest

        assert not ctx.store.acquire(LaneRequest(lane="global"), holder="bob").granted
        assert kinds(ctx) == []
        (item,) = sd.queue(ctx, include_all=True)
    assert (item.kind, item.resolver_kind, item.holder) == ("ARBITER_REFUSE", "BACKPRESSURE", "bob")


def test_stop_let_through_at_the_cap_stays_until_the_claim_verifies(fleet_ws) -> None:
    ws = fleet_ws.path
    (ws / "dos.toml").write_text((ws / "dos.toml").read_text() + "\n[hooks]\nstop_block_cap = 1\n")
    with context(ws) as ctx:
        ctx.store.record(Op.CLAIM, holder="sess-S", data={"session": "sess-S", "plan": "AUTH", "phase": "AUTH2"})
    stop = {"session_id": "sess-S", "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": False}
    assert call_hook("stop", stop).code == 2
    assert call_hook("stop", {**stop, "stop_hook_active": True}).code == 0  # the cap lets it stop
    with context(ws) as ctx:
        (item,) = sd.queue(ctx, plans=False)
    assert (item.kind, item.session, item.proposed_command) == ("STOP_CAP", "sess-S", "dos verify AUTH AUTH2")
    fleet_ws.commit("AUTH2: logout")
    with context(ws) as ctx:
        assert sd.queue(ctx, plans=False) == []


def test_reading_the_queue_writes_nothing(fleet_ws) -> None:
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    with context(fleet_ws.path) as ctx:
        acquire(ctx, "api", "alice")
        before = (ctx.store.seq(), ctx.store.count_events())
        sd.queue_json(ctx, include_all=True)
        from dos.service import fleet

        fleet.snapshot(ctx)
        assert (ctx.store.seq(), ctx.store.count_events()) == before


def test_operations_halt_a_live_lease_and_release_only_an_expired_one(fleet_ws) -> None:
    import pytest

    from dos.errors import UsageError

    clock = FakeClock()
    with context(fleet_ws.path, clock) as ctx:
        lease = acquire(ctx, "api", "alice", ttl_ms=MIN)
        ev = sd.halt_lease(ctx, lease.lease_id, reason="looks stuck")
        assert ev.op == Op.HALT and ev.lease_id == lease.lease_id
        with pytest.raises(UsageError, match="is live"):
            sd.release_expired(ctx, lease.lease_id)
        clock.advance(61)
        assert sd.release_expired(ctx, lease.lease_id).lease_id == lease.lease_id
        assert ctx.store.leases() == []
        with pytest.raises(UsageError, match="no lease"):
            sd.halt_lease(ctx, lease.lease_id)
