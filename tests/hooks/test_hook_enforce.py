"""The pure enforcement kernel: own lease, another's lease, unknown footprint, edges, stop, stall."""

from __future__ import annotations

from hypothesis import given, strategies as st

from dos.kernel.digest import step_digest
from dos.kernel.enforce import EnforcePolicy, Identity, lane_for, pretool_verdict, stall_verdict, stop_verdict
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode

NOW = 1_000_000


def lease(lane: str, tree: tuple[str, ...], holder: str, session: str = "", fence: int = 1,
          mode: LockMode = LockMode.EXCLUSIVE) -> Lease:
    return Lease(lease_id=f"L-{lane}-{holder}", fence=fence, lane=lane, lane_kind="cluster", tree=tree,
                 holder=holder, acquired_ms=NOW - 10, heartbeat_ms=NOW - 10, ttl_ms=600_000, mode=mode,
                 session=session)


A_SRC = lease("src", ("src/**",), "agentA", "A", fence=1)
B_DOCS = lease("docs", ("docs/**",), "agentB", "B", fence=2)
LIVE = [A_SRC, B_DOCS]
A = Identity(session="A")


def test_holder_writes_inside_its_own_lease() -> None:
    """The reference denies its own holder; here the holder's write is allowed."""
    v = pretool_verdict(["src/app.py"], [], who=A, live=LIVE, now_ms=NOW)
    assert v.action == "allow"


def test_write_into_another_lease_is_denied_naming_holder_lane_and_expiry() -> None:
    v = pretool_verdict(["docs/x.md"], [], who=A, live=LIVE, now_ms=NOW)
    assert (v.action, v.token, v.holder, v.lane, v.blocking) == ("deny", "COLLISION", "agentB", "docs",
                                                                 (B_DOCS.lease_id,))
    assert "agentB" in v.reason and "'docs'" in v.reason and "expires in 9m" in v.reason
    assert v.expires_ms == B_DOCS.expires_ms


def test_holder_matches_by_holder_name_when_the_lease_has_no_session() -> None:
    mine = lease("docs", ("docs/**",), "agentB")
    assert pretool_verdict(["docs/x"], [], who=Identity(holder="agentB"), live=[mine], now_ms=NOW).action == "allow"
    assert pretool_verdict(["docs/x"], [], who=Identity(session="Q"), live=[mine], now_ms=NOW).action == "deny"


def test_shared_holders_may_both_write() -> None:
    a = lease("ui", ("ui/**",), "a", "A", mode=LockMode.SHARED)
    b = lease("ui", ("ui/**",), "b", "B", mode=LockMode.SHARED)
    assert pretool_verdict(["ui/x"], [], who=A, live=[a, b], now_ms=NOW).action == "allow"
    assert pretool_verdict(["ui/x"], [], who=Identity(session="C"), live=[a, b], now_ms=NOW).action == "deny"


def test_an_empty_tree_lease_is_an_unknown_region_that_collides_with_every_write() -> None:
    """As in the arbiter: a lease without a tree may hold anything, so any write of another session is denied."""
    odd = lease("x", (), "agentB", "B")
    for setting in ("allow", "warn", "deny"):
        pol = EnforcePolicy(unknown_footprint=setting)
        v = pretool_verdict(["anything.txt"], [], who=A, live=[odd], now_ms=NOW, policy=pol)
        assert (v.action, v.token, v.holder) == ("deny", "UNKNOWN_REGION", "agentB")
    assert pretool_verdict(["a.txt"], [], who=Identity(session="B"), live=[odd], now_ms=NOW).action == "allow"


def test_the_workspace_root_touches_every_lane() -> None:
    v = pretool_verdict([""], [], who=A, live=LIVE, now_ms=NOW)
    assert (v.action, v.token, v.holder) == ("deny", "COLLISION", "agentB")
    assert "workspace root" in v.reason
    assert pretool_verdict([""], [], who=A, live=[A_SRC], now_ms=NOW).action == "allow"


def test_an_unjudged_path_is_denied_only_while_another_session_holds_a_lane() -> None:
    odd = [("x\\0", "it contains a NUL byte")]
    v = pretool_verdict([], [], who=A, live=LIVE, now_ms=NOW, unjudged=odd)
    assert (v.action, v.token) == ("deny", "UNJUDGEABLE_PATH") and "NUL byte" in v.reason
    assert pretool_verdict([], [], who=A, live=[A_SRC], now_ms=NOW, unjudged=odd).action == "allow"


def test_unknown_footprint_follows_the_setting_only_when_others_hold_lanes() -> None:
    for setting in ("allow", "warn", "deny"):
        v = pretool_verdict(None, [], who=A, live=LIVE, now_ms=NOW, policy=EnforcePolicy(unknown_footprint=setting))
        assert v.action == setting
    assert pretool_verdict(None, [], who=A, live=[A_SRC], now_ms=NOW,
                           policy=EnforcePolicy(unknown_footprint="deny")).action == "allow"


def test_outside_self_modify_and_stale_fence_are_denied() -> None:
    assert pretool_verdict([], ["/etc/passwd"], who=A, live=[], now_ms=NOW).token == "OUTSIDE_WORKSPACE"
    pol = EnforcePolicy(protected=("src/dos/kernel/arbiter.py",))
    assert pretool_verdict(["src/dos/kernel/arbiter.py"], [], who=A, live=[], now_ms=NOW, policy=pol).token == "SELF_MODIFY"
    assert pretool_verdict(["src/dos"], [], who=A, live=[], now_ms=NOW, policy=pol).token == "SELF_MODIFY"
    assert pretool_verdict(["src/app.py"], [], who=A, live=LIVE, now_ms=NOW, fence=1).action == "allow"
    assert pretool_verdict(["src/app.py"], [], who=A, live=LIVE, now_ms=NOW, fence=7).token == "STALE_FENCE"
    assert pretool_verdict(["src/app.py"], [], who=A, live=LIVE, now_ms=NOW, fence=2).token == "STALE_FENCE"


def test_auto_acquire_asks_for_the_lane_holding_the_path_only_without_a_lease() -> None:
    pol = EnforcePolicy(auto_acquire=True, lane_trees={"src": ("src/**",), "docs": ("docs/**",)})
    v = pretool_verdict(["docs/a.md"], [], who=Identity(session="C"), live=[], now_ms=NOW, policy=pol)
    assert (v.action, v.acquire) == ("allow", "docs")
    assert pretool_verdict(["src/a"], [], who=A, live=[A_SRC], now_ms=NOW, policy=pol).acquire == ""
    assert pretool_verdict(["other/a"], [], who=Identity(session="C"), live=[], now_ms=NOW, policy=pol).acquire == ""
    assert lane_for(["src/a", "docs/b"], pol.lane_trees) == ""


@given(st.sampled_from(["src/a.py", "src/deep/b.txt", "src"]),
       st.lists(st.sampled_from(["docs/**", "lib/**", "tests/**"]), max_size=3))
def test_own_lease_wins_when_no_other_lease_reaches_the_path(path: str, others: list[str]) -> None:
    live = [A_SRC] + [lease(f"l{i}", (t,), f"h{i}", f"S{i}", fence=10 + i) for i, t in enumerate(others)]
    assert pretool_verdict([path], [], who=A, live=live, now_ms=NOW).action == "allow"


def test_stop_is_refused_while_the_claim_is_unverified_up_to_the_cap() -> None:
    claim = ("AUTH", "AUTH1")
    assert stop_verdict(None, None, "", stop_hook_active=False, blocks=0, cap=3).action == "allow"
    assert stop_verdict(claim, True, "", stop_hook_active=False, blocks=0, cap=3).action == "allow"
    v = stop_verdict(claim, False, "", stop_hook_active=False, blocks=0, cap=3)
    assert v.action == "deny" and "dos verify AUTH AUTH1" in v.reason
    assert stop_verdict(claim, False, "", stop_hook_active=True, blocks=2, cap=3).action == "deny"
    assert stop_verdict(claim, False, "", stop_hook_active=True, blocks=3, cap=3).token == "CAP_REACHED"
    assert stop_verdict(claim, False, "", stop_hook_active=False, blocks=0, cap=0).action == "allow"


def test_stall_reader_thresholds_and_digest() -> None:
    assert stall_verdict("Bash", 2).action == "allow"
    assert stall_verdict("Bash", 3).token == "REPEATING"
    assert stall_verdict("Bash", 5).token == "STALLED"
    assert stall_verdict("Bash", 9, ignore=("Bash",)).action == "allow"
    assert step_digest("Bash", {"c": 1}, None) is None
    assert step_digest("Bash", {"c": 1}, "out") == step_digest("Bash", {"c": 1}, "out")
    assert step_digest("Bash", {"c": 1}, "out") != step_digest("Bash", {"c": 2}, "out")
    assert step_digest("Bash", {"c": 1}, {"r": [1]}) != step_digest("Bash", {"c": 1}, {"r": [2]})


def test_every_self_modify_entry_names_code_that_exists_here() -> None:
    """The guard keeps only entries that exist, so a renamed module must not silently drop out of it."""
    from pathlib import Path

    from dos.kernel.selfmodify import SELF_MODIFY_FILES

    root = Path(__file__).resolve().parents[2]
    assert [rel for rel in SELF_MODIFY_FILES if not (root / rel).exists()] == []
