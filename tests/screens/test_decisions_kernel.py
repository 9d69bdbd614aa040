"""The pure queue: which items are open, how duplicates merge, the order, and the quoting of commands."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel import decisions as kd

NOW = 1_800_000_000_000
kinds = st.sampled_from(sorted(kd.KINDS))
text = st.text(min_size=0, max_size=20)


def item(kind: str, lane: str = "api", age: int | None = 1000, subject: str = "x") -> kd.Item:
    return kd.Item(kind, lane, f"why {subject}", "dos x", age, lease_id=subject)


items = st.builds(item, kinds, st.sampled_from(["api", "API", "docs", ""]),
                  st.one_of(st.none(), st.integers(0, 10**9)), st.sampled_from(["a", "b", "c"]))


class TestRank:
    @given(st.lists(items, max_size=30))
    def test_every_kept_item_is_human_unless_all(self, xs: list[kd.Item]) -> None:
        """Without --all only HUMAN items remain; with it, every kind can appear."""
        assert all(x.resolver_kind == "HUMAN" for x in kd.rank(xs))
        keys_all = {kd.item_key(x) for x in xs}
        assert {x.key for x in kd.rank(xs, include_all=True)} == keys_all

    @given(st.lists(items, max_size=30))
    def test_duplicates_merge_and_their_counts_add_up(self, xs: list[kd.Item]) -> None:
        """Each key appears once; dup_count sums to the number of input items."""
        ranked = kd.rank(xs, include_all=True)
        assert len({x.key for x in ranked}) == len(ranked)
        assert sum(x.dup_count for x in ranked) == len(xs)

    @given(st.lists(items, max_size=30), st.randoms())
    def test_order_does_not_depend_on_input_order(self, xs: list[kd.Item], rnd) -> None:
        shuffled = list(xs)
        rnd.shuffle(shuffled)
        a = [(x.key, x.dup_count, x.age_ms) for x in kd.rank(xs, include_all=True)]
        b = [(x.key, x.dup_count, x.age_ms) for x in kd.rank(shuffled, include_all=True)]
        assert a == b

    @given(st.lists(items, max_size=30))
    def test_kind_urgency_first_then_the_oldest(self, xs: list[kd.Item]) -> None:
        ranked = kd.rank(xs, include_all=True)
        for a, b in zip(ranked, ranked[1:]):
            assert a.rank <= b.rank
            if a.rank == b.rank:
                assert (a.age_ms if a.age_ms is not None else -1) >= (b.age_ms if b.age_ms is not None else -1)

    def test_stalled_outranks_an_older_over_claim(self) -> None:
        ranked = kd.rank([item("OVER_CLAIM", age=10**9), item("STALLED", age=5)])
        assert [x.kind for x in ranked] == ["STALLED", "OVER_CLAIM"]

    def test_merged_item_keeps_the_oldest_age(self) -> None:
        (x,) = kd.rank([item("STALLED", age=5), item("STALLED", age=500), item("STALLED", age=50)])
        assert x.age_ms == 500 and x.dup_count == 3

    def test_unknown_kind_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown decision kind"):
            kd.Item("NOPE", "api", "", "")


class TestCommands:
    @settings(max_examples=200)
    @given(text, text, text)
    def test_agent_strings_stay_single_shell_words(self, lane: str, holder: str, lease_id: str) -> None:
        """Whatever an agent named its lane or itself, the command parses back to exactly those words."""
        words = shlex.split(kd.release_command(lane, holder, lease_id))
        assert words == ["dos", "lease-lane", "release", "--lane", lane, "--owner", holder, "--lease-id", lease_id]

    def test_kill_prefers_the_recorded_command_then_the_pid(self) -> None:
        assert kd.kill_command(42, "", "api", "a", "L", "systemctl stop w") == "systemctl stop w"
        assert kd.kill_command(42, "", "api", "a", "L") == "kill -TERM 42"
        assert kd.kill_command(None, "77", "api", "a", "L") == "kill -TERM 77"
        assert kd.kill_command(None, "$(rm -rf ~)", "api", "a", "L").startswith("dos lease-lane release")


def lease(**kw) -> kd.LeaseFact:
    base = dict(lease_id="L1", lane="api", holder="alice", session="s1", run_id="", loop_ts="", pid=None,
                fence=1, live=True, holder_dead=False, liveness="ADVANCING", liveness_reason="young",
                beat_age_ms=0, expired_for_ms=0, acquired_ms=NOW - 60_000)
    base.update(kw)
    return kd.LeaseFact(**base)


class TestBuild:
    def test_advancing_lease_needs_nobody(self) -> None:
        assert kd.build(kd.Facts(NOW, [lease()])) == []

    def test_stalled_live_lease_and_expired_lease(self) -> None:
        got = kd.build(kd.Facts(NOW, [lease(liveness="STALLED", pid=99),
                                      lease(lease_id="L2", lane="docs", live=False, holder_dead=True)]))
        assert {(x.kind, x.lane) for x in got} == {("STALLED", "api"), ("EXPIRED", "docs")}
        stalled = next(x for x in got if x.kind == "STALLED")
        assert stalled.proposed_command == "kill -TERM 99"

    def test_halt_open_only_while_its_lease_is_live_and_older_than_the_halt(self) -> None:
        halt = {"seq": 5, "ts_ms": NOW - 1000, "lane": "api", "lease_id": "L1", "holder": "watchdog",
                "reason": "spinning", "data": {"handle": "123", "run_id": ""}}
        assert [x.kind for x in kd.build(kd.Facts(NOW, [lease()], halts=[halt]))] == ["LIVENESS"]
        assert kd.build(kd.Facts(NOW, [lease(live=False)], halts=[halt])) != [] and all(
            x.kind != "LIVENESS" for x in kd.build(kd.Facts(NOW, [lease(live=False)], halts=[halt])))
        reacquired = lease(acquired_ms=NOW)  # the lane was taken again after the halt: a new run
        assert kd.build(kd.Facts(NOW, [reacquired], halts=[{**halt, "lease_id": ""}])) == []
        suspended = {**halt, "data": {"suspended": True}}
        assert kd.build(kd.Facts(NOW, [lease()], halts=[suspended])) == []

    def test_refusal_closes_when_the_blocker_goes_or_the_holder_got_a_lane(self) -> None:
        ref = {"seq": 7, "ts_ms": NOW - 1000, "lane": "global", "holder": "bob", "reason": "busy",
               "data": {"blocking": ["L1"]}}
        assert [x.kind for x in kd.build(kd.Facts(NOW, [lease()], refusals=[ref]))] == ["ARBITER_REFUSE"]
        assert kd.build(kd.Facts(NOW, [], refusals=[ref])) == []
        assert kd.build(kd.Facts(NOW, [lease()], refusals=[ref], acquired_after={"bob": 9})) == []
        old = {**ref, "ts_ms": NOW - kd.REFUSE_WINDOW_MS - 1}
        assert kd.build(kd.Facts(NOW, [lease()], refusals=[old])) == []

    def test_stop_cap_and_over_claim(self) -> None:
        got = kd.build(kd.Facts(NOW, stop_caps=[{"seq": 3, "ts_ms": NOW, "session": "s", "plan": "AUTH",
                                                 "phase": "AUTH1", "open": True},
                                                {"seq": 4, "ts_ms": NOW, "session": "t", "plan": "AUTH",
                                                 "phase": "AUTH2", "open": False}],
                                over_claims=[{"plan": "P", "phase": "P1", "doc_path": "docs/p-plan.md"}]))
        assert sorted((x.kind, x.proposed_command) for x in got) == [
            ("OVER_CLAIM", "dos verify P P1"), ("STOP_CAP", "dos verify AUTH AUTH1")]

    def test_to_dict_keeps_the_reference_keys(self) -> None:
        d = item("STALLED").to_dict()
        for key in ("kind", "resolver_kind", "lane", "reason_token", "reason_text", "run_id", "run_ts",
                    "age_seconds", "source_path", "evidence", "proposed_command", "handle", "dup_count"):
            assert key in d
        assert d["age_seconds"] == 1 and d["resolver_kind"] == "HUMAN"
