"""The population verdict and the watchdog plan (spec §8; bugs 14-16 fixed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dos.kernel.liveness import Liveness
from dos.kernel.supervise import (LaneLiveness, Outcome, SupervisePolicy, WatchedRun,
                                  admissible_count, supervise, watch_plan)
from dos.kernel.tree import trees_collide

A, S, X = Liveness.ADVANCING, Liveness.SPINNING, Liveness.STALLED


def lane(name: str, liveness: Liveness | None = None, *, tree: tuple[str, ...] | None = None,
         exclusive: bool = False, pending: bool = False, spin: int | None = None) -> LaneLiveness:
    return LaneLiveness(name, liveness, (f"{name}/**",) if tree is None else tree, exclusive, pending, spin,
                        lease_id=f"lease-{name}" if liveness else "", holder=f"agent-{name}" if liveness else "")


ROSTER = [lane("api"), lane("docs"), lane("src"), lane("global", tree=("**/*",), exclusive=True)]


def names(plans) -> list[str]:
    return [p.lane for p in plans]


def test_idle_fills_toward_target_one_spawn_per_lane() -> None:
    """Bug 15: `dos loop --target 3` printed `spawn api` three times."""
    v = supervise(ROSTER, SupervisePolicy(target=3))
    assert v.verdict is Outcome.FILLING and names(v.spawn) == ["api", "docs", "src"]
    assert (v.alive, v.admissible) == (0, 3)


def test_held_advancing_lane_is_never_reoffered() -> None:
    """Bug 15: a held ADVANCING autopick lane was re-offered (`['api','api']`)."""
    v = supervise([lane("api", A), lane("docs"), lane("src")], SupervisePolicy(target=3))
    assert names(v.spawn) == ["docs", "src"] and v.alive == 1


def test_target_beyond_admissible_is_unreachable_but_still_fills() -> None:
    v = supervise([lane("api"), lane("docs")], SupervisePolicy(target=5))
    assert v.verdict is Outcome.TARGET_UNREACHABLE and names(v.spawn) == ["api", "docs"]


def test_at_target() -> None:
    v = supervise([lane("api", A), lane("docs")], SupervisePolicy(target=1))
    assert v.verdict is Outcome.AT_TARGET and not v.spawn


def test_stalled_lane_is_reaped_and_respawned_with_holder() -> None:
    """Bug 16: the REAP carries the lease's holder (SCAVENGE prev_holder), not a host id."""
    v = supervise([lane("api", X), lane("docs", A)], SupervisePolicy(target=2))
    assert names(v.reap) == ["api"] and v.reap[0].holder == "agent-api" and v.reap[0].lease_id == "lease-api"
    assert names(v.spawn) == ["api"]


def test_stalled_lane_held_when_reaping_disabled() -> None:
    v = supervise([lane("api", X), lane("sub", tree=("api/x/**",))], SupervisePolicy(target=2, reap_stalled=False))
    assert not v.reap and not v.spawn


def test_pending_lane_counts_alive_and_is_not_respawned() -> None:
    """Bug 16: a lane just spawned (pending) is not offered again."""
    v = supervise([lane("api", pending=True), lane("docs")], SupervisePolicy(target=2))
    assert v.alive == 1 and names(v.spawn) == ["docs"]


def test_spinning_flagged_and_halt_after_time_spent_spinning() -> None:
    """Bug 14: the halt threshold compares time spent spinning."""
    policy = SupervisePolicy(target=1, spin_halt_after_ms=20 * 60_000)
    v = supervise([lane("api", S, spin=25 * 60_000)], policy)
    assert names(v.flag) == ["api"] and names(v.proposed_halt) == ["api"]
    v = supervise([lane("api", S, spin=5 * 60_000)], policy)
    assert names(v.flag) == ["api"] and not v.proposed_halt


def test_spinning_not_alive_when_configured() -> None:
    v = supervise([lane("api", S), lane("docs")], SupervisePolicy(target=1, count_spinning_as_alive=False))
    assert v.alive == 0 and names(v.spawn) == ["docs"]


def test_over_target_flags_excess_and_never_reaps() -> None:
    v = supervise([lane("api", A), lane("docs", A), lane("src", A)], SupervisePolicy(target=1))
    assert v.verdict is Outcome.OVER_TARGET and names(v.flag) == ["src", "docs"] and not v.reap


def test_spawns_never_collide_with_held_or_each_other() -> None:
    roster = [lane("src", A), lane("sub", tree=("src/x/**",)), lane("all", tree=()),
              lane("a"), lane("a2", tree=("a/b/**",))]
    v = supervise(roster, SupervisePolicy(target=5))
    assert names(v.spawn) == ["a"]


def test_exclusive_spawned_only_alone() -> None:
    assert names(supervise([lane("global", tree=("**/*",), exclusive=True)], SupervisePolicy(target=2)).spawn) == ["global"]
    v = supervise([lane("api", A), lane("global", tree=("**/*",), exclusive=True)], SupervisePolicy(target=2))
    assert not v.spawn


def test_duplicate_roster_entries_collapse() -> None:
    v = supervise([lane("api"), lane("API"), lane("docs")], SupervisePolicy(target=3))
    assert names(v.spawn) == ["api", "docs"]


def test_admissible_count() -> None:
    assert admissible_count([]) == 0
    assert admissible_count([lane("g", tree=("**/*",), exclusive=True)]) == 1
    assert admissible_count([lane("a"), lane("b"), lane("ab", tree=("a/x",))]) == 2


@pytest.mark.parametrize("kw", [dict(target=-1), dict(spin_halt_after_ms=-1), dict(max_concurrency=0),
                                dict(worker_launch_template="no placeholder")])
def test_policy_validation(kw: dict) -> None:
    with pytest.raises(ValueError):
        SupervisePolicy(**kw)


def test_to_dict_shape() -> None:
    d = supervise(ROSTER, SupervisePolicy(target=1)).to_dict()
    assert set(d) == {"verdict", "reason", "alive", "admissible", "target", "spawn", "reap", "flag",
                      "proposed_halt", "evidence"}
    assert d["spawn"][0]["disposition"] == "SPAWN" and "/dos-dispatch-loop --lane api" in d["spawn"][0]["reason"]


TREES = st.sampled_from([("a/**",), ("a/b/**",), ("b/**",), ("**/*",), (), ("c/x.py",), ("c/**",)])
LIVENESS = st.sampled_from([None, A, S, X])


@given(st.lists(st.tuples(TREES, LIVENESS, st.booleans(), st.booleans()), max_size=7), st.integers(0, 8))
def test_spawn_plans_are_disjoint_by_construction(rows, target) -> None:
    roster = [LaneLiveness(f"l{i}", lv, tree, excl, pend) for i, (tree, lv, excl, pend) in enumerate(rows)]
    v = supervise(roster, SupervisePolicy(target=target))
    spawned = [x for x in roster if x.lane in names(v.spawn)]
    assert len(names(v.spawn)) == len(set(names(v.spawn)))
    reaped = set(names(v.reap))
    held = [x for x in roster if (x.liveness is not None or x.pending) and x.lane not in reaped]
    for i, x in enumerate(spawned):
        assert all(not trees_collide(x.tree, h.tree) for h in held)
        assert all(not trees_collide(x.tree, y.tree) for y in spawned[i + 1:])
        if x.is_exclusive:
            assert len(spawned) == 1 and not held
    assert len(v.spawn) <= max(0, target - v.alive)


class TestWatch:
    def run(self, rid: str, lv: Liveness | None, **kw) -> WatchedRun:
        return WatchedRun(rid, lv, **kw)

    def test_actions(self) -> None:
        runs = [self.run("a", A), self.run("s", S), self.run("x", X), self.run("y", X, budget_ms=100, run_age_ms=50),
                self.run("z", X, budget_ms=100, run_age_ms=150), self.run("bad", None)]
        v = watch_plan(runs, now_ms=1_000)
        assert v.advancing == ("a",) and v.spinning == ("s",) and v.stalled_within_budget == ("y",)
        assert [r.run_id for r in v.proposed_halts] == ["s", "x", "z"] and v.skipped == ("bad",)
        assert v.watched == 6

    def test_repropose_window(self) -> None:
        r = self.run("s", S, last_halt_ms=1_000, command="kill 5")
        assert not watch_plan([r], now_ms=2_000, repropose_ms=5_000).proposed_halts
        halts = watch_plan([r], now_ms=6_000, repropose_ms=5_000).proposed_halts
        assert halts and halts[0].command == "kill 5"

    def test_to_dict_keys(self) -> None:
        d = watch_plan([self.run("s", S)], 0).to_dict()
        assert set(d) == {"advancing", "proposed_halts", "skipped", "spinning", "stalled_within_budget",
                          "verdicts", "watched", "runs", "halts"}
        assert d["verdicts"] == {"s": "SPINNING"} and d["proposed_halts"] == ["s"]


def test_max_concurrency_caps_spawns() -> None:
    v = supervise([lane("api", A), lane("docs"), lane("src")], SupervisePolicy(target=3, max_concurrency=2))
    assert names(v.spawn) == ["docs"]
