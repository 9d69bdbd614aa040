"""The liveness ladder and the per-lease fold (spec §7; bugs 14, 17 and 18 fixed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dos.kernel.lease import Event, Op
from dos.kernel.liveness import (Liveness, LivenessPolicy, ProgressEvidence, classify,
                                 lease_activity, spinning_age_ms)

MIN = 60_000
P = LivenessPolicy()  # grace 30 min, spin 15 min
A, S, X = Liveness.ADVANCING, Liveness.SPINNING, Liveness.STALLED


def ev(start_min: float, now_min: float, *, commits: int = 0, events: int = 0,
       beat_min: float | None = None, alive: bool | None = None) -> ProgressEvidence:
    return ProgressEvidence(int(start_min * MIN), int(now_min * MIN), commits, events,
                            None if beat_min is None else int(beat_min * MIN), None, alive)


@pytest.mark.parametrize("evidence,expected,fragment", [
    (ev(0, 60, commits=2), A, "2 commit(s)"),
    (ev(0, 60, events=1), A, "lease event"),
    (ev(0, 60, commits=1, alive=False), A, "commit"),  # ground truth outranks the probe
    (ev(0, 60, beat_min=1), S, "spinning"),
    (ev(0, 10, beat_min=1), A, "too young"),
    (ev(0, 60, beat_min=16), X, "> spin window"),
    (ev(0, 10, beat_min=1, alive=False), X, "OS reports"),
    (ev(0, 60, beat_min=1, alive=True), S, "spinning"),  # a live process never promotes
    (ev(0, 10), A, "no heartbeat yet"),  # bug 18: a fresh run is not STALLED before its first beat
    (ev(0, 16), X, "no heartbeat yet"),  # ... but a run that never beats stalls after one spin window
    (ev(0, 5, alive=False), X, "OS reports"),
    (ev(10, 5, beat_min=0), A, "too young"),  # a future-dated start counts as young
])
def test_ladder(evidence: ProgressEvidence, expected: Liveness, fragment: str) -> None:
    v = classify(evidence, P)
    assert v.verdict is expected and fragment in v.reason


def test_to_dict_shape() -> None:
    d = classify(ev(0, 1, beat_min=0), P).to_dict()
    assert d["verdict"] == "ADVANCING"
    assert set(d["evidence"]) == {"run_started_ms", "now_ms", "commits_since_start", "journal_events_since",
                                  "last_heartbeat_age_ms", "tokens_spent_since", "process_alive"}


@pytest.mark.parametrize("kw", [dict(commits_since_start=-1), dict(journal_events_since=-1),
                                dict(last_heartbeat_age_ms=-5)])
def test_negative_evidence_rejected(kw: dict) -> None:
    with pytest.raises(ValueError):
        ProgressEvidence(0, 0, **kw)


def test_negative_policy_rejected() -> None:
    with pytest.raises(ValueError):
        LivenessPolicy(grace_ms=-1)


def test_bug14_spinning_age_is_time_spent_spinning() -> None:
    """0.22 fed the beat age (≤ 15 min by definition), so a 20-min halt threshold never fired."""
    e = ev(0, 90, beat_min=0.1)
    assert classify(e, P).verdict is S
    assert spinning_age_ms(e, P) == 60 * MIN  # 90 min into the run, grace ended at 30
    fresher = ev(0, 90, beat_min=0)
    assert spinning_age_ms(fresher, P) == spinning_age_ms(e, P)  # fresher beats do not reset it


@given(st.integers(0, 10**8), st.integers(0, 10**8), st.integers(0, 3), st.integers(0, 3),
       st.one_of(st.none(), st.integers(0, 10**8)), st.sampled_from([None, True, False]))
def test_probe_only_demotes_and_progress_always_advances(start, now, commits, events, beat, alive) -> None:
    e = ProgressEvidence(start, now, commits, events, beat, None, alive)
    v = classify(e, P).verdict
    if commits or events:
        assert v is A
    base = classify(ProgressEvidence(start, now, commits, events, beat, None, None), P).verdict
    order = {X: 0, S: 1, A: 2}
    assert order[v] <= order[base]


def E(seq: int, ts_min: float, op: Op, lease_id: str, lane: str = "src") -> Event:
    return Event(seq, int(ts_min * MIN), op, lane=lane, lease_id=lease_id)


class TestLeaseActivity:
    def test_bug17_counts_per_lease_identity_not_lane(self) -> None:
        """acquire -> release -> re-acquire: the new lease has done nothing yet."""
        log = [E(1, 0, Op.ACQUIRE, "L1"), E(2, 5, Op.RELEASE, "L1"), E(3, 6, Op.ACQUIRE, "L2")]
        act = lease_activity(log, "L2", int(6 * MIN), int(10 * MIN))
        assert act.events_since == 0 and act.last_beat_age_ms == 4 * MIN
        v = classify(ProgressEvidence(int(6 * MIN), int(40 * MIN), 0, act.events_since, None), P)
        assert v.verdict is X

    def test_bug18_adopt_is_a_beat(self) -> None:
        log = [E(1, 0, Op.ACQUIRE, "L1"), E(2, 20, Op.ADOPT, "L1")]
        assert lease_activity(log, "L1", 0, int(21 * MIN)).last_beat_age_ms == MIN

    def test_birth_is_not_progress_but_later_events_are(self) -> None:
        log = [E(1, 0, Op.ACQUIRE, "L1"), E(2, 1, Op.HEARTBEAT, "L1"), E(3, 2, Op.SCAVENGE, "L1")]
        act = lease_activity(log, "L1", 0, int(3 * MIN))
        assert act.events_since == 1 and act.last_beat_age_ms == 2 * MIN

    def test_future_events_beyond_skew_ignored(self) -> None:
        log = [E(1, 0, Op.ACQUIRE, "L1"), E(2, 50, Op.HEARTBEAT, "L1")]
        assert lease_activity(log, "L1", 0, int(10 * MIN)).last_beat_age_ms == 10 * MIN

    def test_identity_required(self) -> None:
        log = [E(1, 0, Op.ACQUIRE, ""), E(2, 1, Op.RELEASE, "")]
        assert lease_activity(log, "", 0, MIN).events_since == 0
