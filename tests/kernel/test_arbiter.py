"""The arbiter's decision ladder, rung by rung, and the reference's soundness bugs (spec §12)."""

from __future__ import annotations

import pytest

from dos.kernel.arbiter import arbitrate
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.tree import LockMode

TAX = Taxonomy(
    concurrent=("api", "docs", "src"),
    exclusive=("global", "infra"),
    autopick=("api", "docs", "src"),
    trees={"api": ("api/**",), "docs": ("docs/**",), "src": ("src/**",),
           "global": ("**/*",), "infra": ("infra/**",)},
)

_n = 0


def lease(lane: str, kind: str = "cluster", tree: tuple[str, ...] | None = None,
          mode: LockMode = LockMode.EXCLUSIVE, holder: str = "") -> Lease:
    global _n
    _n += 1
    return Lease(lease_id=f"L{_n}", fence=_n, lane=lane, lane_kind=kind,
                 tree=TAX.tree_for(lane) if tree is None else tree, holder=holder or f"agent{_n}",
                 acquired_ms=0, heartbeat_ms=0, ttl_ms=60_000, mode=mode)


def req(lane: str = "", kind: str = "", tree: tuple[str, ...] = (), mode: LockMode = LockMode.EXCLUSIVE) -> LaneRequest:
    return LaneRequest(lane=lane, kind=kind, tree=tree, mode=mode)


class TestLadder:
    def test_bare_request_on_idle_repo_autopicks_first_lane(self) -> None:
        """A bare request takes the first autopick lane and says it was a bare invocation."""
        d = arbitrate(req(), [], TAX)
        assert (d.outcome, d.lane, d.lane_kind, d.tree, d.auto_picked) == ("acquire", "api", "cluster", ("api/**",), True)
        assert d.reason == "auto-picked free cluster lane 'api' (bare invocation)."

    def test_bare_request_skips_held_lanes(self) -> None:
        d = arbitrate(req(), [lease("api")], TAX)
        assert (d.lane, d.auto_picked) == ("docs", True)

    def test_live_exclusive_lease_refuses_everything_even_forced(self) -> None:
        """Rung 1: an exclusive holder blocks every request, and --force cannot override it."""
        held = lease("global", "global")
        for forced in (False, True):
            d = arbitrate(req("docs", "cluster"), [held], TAX, force=forced)
            assert d.outcome == "refuse" and d.blocking == (held.lease_id,)
            assert "exclusive lane is live" in d.reason and held.holder in d.reason
            assert ("--force cannot override" in d.reason) is forced

    def test_forced_named_lane_skips_policy_but_not_disjointness(self) -> None:
        """Rung 2: --force grants a free lane past SELF_MODIFY but never over a live holder."""
        tax = Taxonomy(concurrent=("kern",), autopick=(), trees={"kern": ("src/dos/**",)},
                       protected=("src/dos/kernel/arbiter.py",))
        assert arbitrate(req("kern", "cluster"), [], tax).outcome == "refuse"
        d = arbitrate(req("kern", "cluster"), [], tax, force=True)
        assert (d.outcome, d.lane, d.tree) == ("acquire", "kern", ("src/dos/**",))
        assert d.reason.startswith("FORCED lane 'kern'")
        held = lease("src")
        d = arbitrate(req("src", "cluster"), [held], TAX, force=True)
        assert d.outcome == "refuse" and d.blocking == (held.lease_id,)

    def test_forced_empty_lane_is_ignored(self) -> None:
        d = arbitrate(req(), [], TAX, force=True)
        assert d.auto_picked and d.lane == "api"

    def test_held_lane_refused_naming_holder(self) -> None:
        """Rung 3: a held lane (kind other than cluster) is refused with the blocking lease named."""
        held = lease("src", holder="agentA")
        d = arbitrate(req("src", "keyword", ("src/x/**",)), [held], TAX)
        assert d.outcome == "refuse" and d.blocking == (held.lease_id,)
        assert "agentA" in d.reason and "'src'" in d.reason
        assert d.free_clusters == ("api", "docs")

    def test_held_cluster_lane_falls_through_to_autopick(self) -> None:
        d = arbitrate(req("src", "cluster"), [lease("src")], TAX)
        assert d.lane == "api" and d.reason == "auto-picked free cluster lane 'api' (requested 'src' was busy)."

    def test_exclusive_request_runs_alone(self) -> None:
        """Rung 4: an exclusive request is refused while anything is live, granted on an idle repo."""
        held = lease("docs")
        d = arbitrate(req("global", "global"), [held], TAX)
        assert d.outcome == "refuse" and "must run alone" in d.reason and d.blocking == (held.lease_id,)
        d = arbitrate(req("global", "global"), [], TAX)
        assert (d.outcome, d.lane, d.lane_kind, d.tree) == ("acquire", "global", "global", ("**/*",))

    def test_kind_global_without_lane_is_the_global_lane(self) -> None:
        d = arbitrate(req(kind="global"), [], TAX)
        assert (d.lane, d.lane_kind) == ("global", "global")

    def test_declared_exclusive_lane_keeps_its_name_as_kind(self) -> None:
        d = arbitrate(req("infra", "cluster"), [], TAX)
        assert (d.outcome, d.lane, d.lane_kind) == ("acquire", "infra", "infra")

    def test_cluster_lane_free_is_admitted(self) -> None:
        """Rung 5."""
        d = arbitrate(req("docs", "cluster"), [lease("src")], TAX)
        assert (d.outcome, d.lane, d.lane_kind, d.reason) == ("acquire", "docs", "cluster", "cluster lane 'docs' free — admitted.")

    def test_keyword_lane_with_disjoint_tree_admitted(self) -> None:
        """Rung 6."""
        d = arbitrate(req("tools", "keyword", ("tools/**",)), [lease("src"), lease("api")], TAX)
        assert (d.outcome, d.lane, d.lane_kind, d.tree) == ("acquire", "tools", "keyword", ("tools/**",))

    def test_keyword_lane_colliding_refused_with_hint(self) -> None:
        held = lease("src")
        d = arbitrate(req("k", "keyword", ("src/a/**",)), [held], TAX)
        assert d.outcome == "refuse" and d.reason.endswith("Use a free cluster lane instead.")
        assert d.blocking == (held.lease_id,)

    def test_unknown_keyword_without_tree_refused(self) -> None:
        """Rung 7: the kernel never guesses a substitute for an unknown lane."""
        d = arbitrate(req("nope", "keyword"), [], TAX)
        assert d.outcome == "refuse" and d.reason.startswith("UNKNOWN_LANE: 'nope'")
        assert "api, docs, global, infra, src" in d.reason

    def test_known_keyword_without_tree_degrades_to_autopick(self) -> None:
        d = arbitrate(req("src", "keyword"), [], TAX)
        assert d.auto_picked and "degraded to auto-pick" in d.reason

    def test_unknown_lane_kindless_autopicks_and_says_so(self) -> None:
        d = arbitrate(req("foo"), [], TAX)
        assert d.auto_picked and d.reason.endswith("(requested 'foo' is not a lane in this workspace).")

    def test_all_lanes_held_refuses(self) -> None:
        live = [lease("api"), lease("docs"), lease("src")]
        d = arbitrate(req(), live, TAX)
        assert d.outcome == "refuse" and "held by live loops" in d.reason
        assert set(d.blocking) == {x.lease_id for x in live}

    def test_autopick_refusal_names_a_tree_collision_truthfully(self) -> None:
        """Free lanes that collide are reported as collisions, not as 'held'."""
        wide = lease("tools", "keyword", ("**/*.py",))
        d = arbitrate(req(), [wide], TAX)
        assert d.outcome == "refuse" and "no free cluster lane is admissible" in d.reason
        assert d.blocking == (wide.lease_id,)

    def test_refusal_fields_are_empty(self) -> None:
        d = arbitrate(req("src", "keyword", ("src/**",)), [lease("src")], TAX)
        assert (d.lane, d.lane_kind, d.tree, d.auto_picked) == ("", "", (), False)
        assert set(d.to_dict()) == {"outcome", "lane", "lane_kind", "tree", "reason", "auto_picked",
                                    "free_clusters", "pick_count", "blocking"}

    def test_escaping_tree_refused(self) -> None:
        d = arbitrate(req("k", "keyword", ("../outside/**",)), [], TAX)
        assert d.outcome == "refuse" and "escapes the workspace" in d.reason


class TestLockModes:
    def test_shared_holders_coexist_on_one_lane(self) -> None:
        held = lease("docs", mode=LockMode.SHARED)
        d = arbitrate(req("docs", "cluster", mode=LockMode.SHARED), [held], TAX)
        assert d.outcome == "acquire" and d.lane == "docs"

    def test_shared_request_against_exclusive_holder_refused(self) -> None:
        held = lease("k", "keyword", ("docs/a/**",))
        d = arbitrate(req("docs", "cluster", mode=LockMode.SHARED), [held], TAX)
        assert d.outcome == "refuse" and d.blocking == (held.lease_id,)

    def test_exclusive_request_against_shared_holder_refused(self) -> None:
        held = lease("k", "keyword", ("docs/a/**",), mode=LockMode.SHARED)
        d = arbitrate(req("docs", "cluster"), [held], TAX)
        assert d.outcome == "refuse"

    def test_shared_mode_on_exclusive_lane_does_not_coexist(self) -> None:
        held = lease("infra", "infra", mode=LockMode.SHARED)
        d = arbitrate(req("infra", "cluster", mode=LockMode.SHARED), [held], TAX)
        assert d.outcome == "refuse"


class TestReferenceBugs:
    """Each test fails on the reference 0.22's behaviour (spec §12)."""

    def test_bug1_soft_overlap_never_admits_a_write_conflict(self) -> None:
        """0.22 admitted `src/a.py x/** y/**` against a live `src/**` (1/3 overlap)."""
        live = [lease("src")]
        assert arbitrate(req("k", "keyword", ("src/a.py", "x/**", "y/**")), live, TAX).outcome == "refuse"
        assert arbitrate(req("k", "keyword", ("src/a.py", "", "", "")), live, TAX).outcome == "refuse"

    def test_bug1_overlap_is_symmetric(self) -> None:
        a = lease("k1", "keyword", ("src/a.py", "x/**", "y/**"))
        assert arbitrate(req("src", "cluster"), [a], TAX).outcome == "refuse"

    @pytest.mark.parametrize("entry", ["src/?.py", "src/[ab].py", "src/{a,b}.py", "./src/**",
                                       "/src/**", "api/../src/**", "SRC\\a.py"])
    def test_bug2_canonicalisation_closes_false_disjoints(self, entry: str) -> None:
        held = lease("k", "keyword", ("src/a.py",))
        assert arbitrate(req("k2", "keyword", (entry,)), [held], TAX).outcome == "refuse"

    def test_bug2_segment_aware_no_over_refusal(self) -> None:
        """`src/a` names a directory: it does not collide with `src/ab/x.py`."""
        held = lease("k", "keyword", ("src/a",))
        assert arbitrate(req("k2", "keyword", ("src/ab/x.py",)), [held], TAX).outcome == "acquire"

    def test_bug3_kindless_exclusive_lane_still_blocks(self) -> None:
        """0.22 recorded lane_kind '' for a kindless `infra` and then admitted `api` beside it."""
        d = arbitrate(req("infra"), [], TAX)
        assert d.outcome == "acquire" and d.lane_kind == "infra"
        held = lease("infra", kind="")  # even a lease recorded with no kind
        assert arbitrate(req("api", "cluster"), [held], TAX).outcome == "refuse"

    def test_bug4_empty_tree_lease_blocks_everything(self) -> None:
        held = lease("mystery", "cluster", ())
        for r in (req("api", "cluster"), req(), req("k", "keyword", ("zzz/**",))):
            d = arbitrate(r, [held], TAX)
            assert d.outcome == "refuse" and held.lease_id in d.blocking

    def test_bug4_empty_tree_request_refused_when_anything_is_live(self) -> None:
        d = arbitrate(req("mystery", "cluster"), [lease("docs")], TAX)
        assert d.outcome == "refuse" and "EMPTY tree" in d.reason

    def test_bug4_global_kind_without_tree_still_blocks(self) -> None:
        tax = Taxonomy(concurrent=("api",), exclusive=(), autopick=("api",), trees={"api": ("api/**",)})
        d = arbitrate(req(kind="global"), [], tax)
        assert d.outcome == "acquire" and d.lane_kind == "global"
        held = Lease("G", 1, d.lane, d.lane_kind, d.tree, "op", 0, 0, 1000)
        assert arbitrate(req("api", "cluster"), [held], tax).outcome == "refuse"

    def test_bug5_same_lane_leases_are_distinct_identities(self) -> None:
        """Two shared leases on one lane: both block by their own lease_id."""
        a, b = lease("docs", mode=LockMode.SHARED), lease("docs", mode=LockMode.SHARED)
        d = arbitrate(req("docs", "keyword", ("docs/x/**",)), [a, b], TAX)
        assert d.outcome == "refuse" and set(d.blocking) == {a.lease_id, b.lease_id}

    def test_bug13_tree_lookup_is_case_insensitive(self) -> None:
        """0.22: declared lane `API` requested as `api` got `tree: []`."""
        tax = Taxonomy(concurrent=("API",), exclusive=(), autopick=("API",), trees={"API": ("api/**",)})
        d = arbitrate(req("api", "cluster"), [], tax)
        assert (d.outcome, d.lane, d.tree) == ("acquire", "API", ("api/**",))

    def test_bug21_kindless_free_known_lane_is_granted_without_false_narration(self) -> None:
        """0.22: `--lane src` on a free `src` said `auto-picked ... (requested 'src' was busy)`."""
        d = arbitrate(req("src"), [], TAX)
        assert (d.lane, d.auto_picked) == ("src", False)
        assert "busy" not in d.reason

    def test_bug21_kindless_known_lane_blocked_by_region_says_collision(self) -> None:
        held = lease("k", "keyword", ("src/x/**",))
        d = arbitrate(req("src"), [held], TAX)
        assert d.auto_picked and d.lane == "api" and "collides" in d.reason and "busy" not in d.reason


class TestNames:
    def test_alias_resolves_to_declared_lane(self) -> None:
        tax = Taxonomy(concurrent=("api",), exclusive=("global",), autopick=("api",),
                       trees={"api": ("api/**",), "global": ("**/*",)}, aliases={"backend": "api"})
        d = arbitrate(req("backend", "cluster"), [], tax)
        assert (d.outcome, d.lane, d.tree) == ("acquire", "api", ("api/**",))
        held = lease("api")
        d = arbitrate(req("backend", "keyword", ("x/**",)), [held], tax)
        assert d.outcome == "refuse" and d.blocking == (held.lease_id,)

    def test_held_lane_matched_case_insensitively(self) -> None:
        held = lease("SRC", tree=("src/**",))
        d = arbitrate(req("src", "keyword", ("zzz/**",)), [held], TAX)
        assert d.outcome == "refuse" and d.blocking == (held.lease_id,)

    def test_mode_recorded_on_the_decision(self) -> None:
        assert arbitrate(req("docs", "cluster", mode=LockMode.SHARED), [], TAX).mode is LockMode.SHARED
        assert arbitrate(req("infra", mode=LockMode.SHARED), [], TAX).mode is LockMode.EXCLUSIVE
