"""The arbiter: may this request take a lane, given the live leases? Pure; no I/O.

The decision ladder follows the reference's CLI path: exclusive holders block everything,
a held lane is refused, exclusive requests run alone, named lanes are checked through the
admission conjunction, and anything else auto-picks a free cluster lane. Overlap has zero
tolerance (shared/shared excepted), exclusivity comes from the lane's declaration, and an
empty tree is an unknown blast radius that collides with everything. Given a ``LeaseIndex``
the ladder asks it instead of scanning the live set, and decides exactly as the scan does.
"""

from __future__ import annotations

from dos.kernel.table import replace
from typing import Sequence

from dos.kernel.admission import (Predicate, SelfModify, builtin_predicates, conflicting, describe_holders,
                                  disjointness, lane_index, lease_is_exclusive, run_predicates)
from dos.kernel.lanes import LaneDecision, LaneRequest, Taxonomy
from dos.kernel.lease import Lease
from dos.kernel.lease_index import LeaseIndex
from dos.kernel.overlap import tree_regions
from dos.kernel.tree import LockMode, PathEscapesWorkspace


def arbitrate(request: LaneRequest, live: Sequence[Lease] | LeaseIndex, taxonomy: Taxonomy, *,
              predicates: Sequence[Predicate] = (), force: bool = False) -> LaneDecision:
    """Decide REQUEST against the LIVE leases. PREDICATES are extra refusal rules (plugins).

    LIVE may be a ``LeaseIndex`` built for TAXONOMY (once per read of the live set): then a
    decision costs in the depth of the trees it asks about, not in the number of live leases.
    """
    if isinstance(live, LeaseIndex) and live.taxonomy is taxonomy:
        view: _Linear | LeaseIndex = live
    else:
        view = _Linear(live.live if isinstance(live, LeaseIndex) else tuple(live), taxonomy)
    return _Arbiter(request, view, taxonomy, tuple(predicates), force).decide()


def arbitrate_linear(request: LaneRequest, live: Sequence[Lease], taxonomy: Taxonomy, *,
                     predicates: Sequence[Predicate] = (), force: bool = False) -> LaneDecision:
    """``arbitrate`` by scanning every live lease (the definition the index is held equal to)."""
    view = _Linear(live.live if isinstance(live, LeaseIndex) else tuple(live), taxonomy)
    return _Arbiter(request, view, taxonomy, tuple(predicates), force).decide()


def refuse(reason: str, *, blocking: Sequence[Lease] = (), free: Sequence[str] = ()) -> LaneDecision:
    return LaneDecision("refuse", "", "", (), reason, free_clusters=tuple(free),
                        blocking=tuple(dict.fromkeys(x.lease_id for x in blocking)))


class _Linear:
    """The live set as a plain sequence: every question scans it (what ``LeaseIndex`` answers by index)."""

    def __init__(self, live: tuple[Lease, ...], taxonomy: Taxonomy) -> None:
        self.live = live
        self.tax = taxonomy
        self.idx = lane_index(taxonomy)
        self.held = {self.idx.canonical(x.lane).casefold() for x in live}

    @property
    def exclusive_live(self) -> list[Lease]:
        return [x for x in self.live if lease_is_exclusive(x, self.tax)]

    def same_lane(self, name: str) -> list[Lease]:
        return [x for x in self.live if self.idx.canonical(x.lane).casefold() == name.casefold()]

    def conflicting(self, tree: Sequence[str], mode: LockMode) -> tuple[Lease, ...]:
        return conflicting(tree, mode, self.live, self.tax)


class _IndexedDisjointness:
    """The built-in disjointness rule, answered from the index (same name, same reasons)."""

    name = "disjointness"

    def __init__(self, index: LeaseIndex) -> None:
        self.index = index

    def __call__(self, request: LaneRequest, tree: tuple[str, ...], live: Sequence[Lease]) -> str | None:
        # The rule filters what it is given; handing it only the colliding leases keeps its order and text.
        return disjointness(request, tree, self.index.conflicting(tree, request.mode, declared=False))


class _Arbiter:
    """One decision; the ladder's rungs are methods so each reads on its own."""

    def __init__(self, request: LaneRequest, view: _Linear | LeaseIndex, taxonomy: Taxonomy,
                 extra: tuple[Predicate, ...], force: bool) -> None:
        self.tax = taxonomy
        self.idx = lane_index(taxonomy)
        self.view = view
        self.live = view.live
        self.force = force
        self.kind = request.kind.strip()
        self.lane = self.idx.canonical(request.lane.strip()) if request.lane.strip() else ""
        self.request = replace(request, lane=self.lane, kind=self.kind)
        builtin = builtin_predicates(taxonomy)
        if isinstance(view, LeaseIndex):
            builtin = tuple(_IndexedDisjointness(view) if p is disjointness else p for p in builtin)
        self.rules = (*builtin, *extra)
        self.held = view.held

    # -- the ladder -------------------------------------------------------------------------
    def decide(self) -> LaneDecision:
        bad = self._bad_tree(self.request.tree)
        if bad:
            return refuse(bad)
        exclusive_live = self.view.exclusive_live
        if exclusive_live:
            note = " (--force cannot override an exclusive live lane.)" if self.force else ""
            return refuse(f"an exclusive lane is live ({describe_holders(exclusive_live)}); it touches "
                          f"the whole portfolio — wait for it to finish.{note}",
                          blocking=exclusive_live, free=self._free())
        if self.force and self.lane:
            return self._forced()
        kind = self.kind.casefold()
        if self.lane and self._is_held(self.lane) and (kind != "cluster" or self._shares_lane()):
            return self._held_refusal()
        if kind == "global" or (kind and self.tax.is_exclusive(kind)) or (
                self.lane and self.tax.is_exclusive(self.lane)):
            return self._exclusive()
        if kind == "cluster" and self.lane and not self._is_held(self.lane):
            return self._named("cluster", f"cluster lane '{self.lane}' free — admitted.")
        if kind == "keyword" and self.request.tree:
            return self._named("keyword", f"keyword lane '{self.lane}' admitted (disjoint from all "
                                          f"{len(self.live)} live lease(s)).", suffix=" Use a free cluster lane instead.")
        if kind == "keyword" and self.lane and not self.tax.is_known(self.lane):
            known = sorted({*self.tax.concurrent, *self.tax.exclusive, *self.tax.autopick})
            return refuse(f"UNKNOWN_LANE: '{self.lane}' is not a lane in this workspace, so the kernel "
                          f"will not guess a substitute. Known lanes: {', '.join(known) or '(none)'}. "
                          f"Pass --tree to describe a keyword lane, or pick a known lane.",
                          free=self._free())
        if not kind and self.lane and self.tax.is_known(self.lane) and not self._is_held(self.lane):
            soft = self._named("cluster", f"cluster lane '{self.lane}' free — admitted.")
            if soft.granted:
                return soft
            return self._autopick(f"(requested '{self.lane}' collides with a live lease)")
        return self._autopick(self._why())

    # -- rungs ------------------------------------------------------------------------------
    def _forced(self) -> LaneDecision:
        """--force skips the policy predicates, never the disjointness with live holders."""
        tree = self._tree_of(self.lane)
        kind = self.kind or "keyword"
        mode = LockMode.EXCLUSIVE if self._exclusive_request() else self.request.mode
        clash = self.view.conflicting(tree, mode)
        if self._exclusive_request() and self.live:
            clash = self.live
        if clash:
            return refuse(f"--force cannot share a live region: lane '{self.lane}' collides with "
                          f"{describe_holders(clash)}.", blocking=clash, free=self._free())
        note = ", tree is EMPTY — unknown blast radius accepted" if not tree else ""
        if self._exclusive_request():
            kind = self.lane if self.tax.is_exclusive(self.lane) else "global"
        return LaneDecision("acquire", self.lane, kind, tree,
                            f"FORCED lane '{self.lane}' (operator --force; policy predicates "
                            f"overridden{note}).", mode=mode)

    def _same_lane(self) -> Sequence[Lease]:
        return self.view.same_lane(self.lane)

    def _shares_lane(self) -> bool:
        """A shared request on a lane whose every live holder is shared (never an exclusive lane)."""
        return (self.request.mode == LockMode.SHARED and not self._exclusive_request()
                and all(x.mode == LockMode.SHARED for x in self._same_lane()))

    def _held_refusal(self) -> LaneDecision:
        same = self._same_lane()
        if self._shares_lane():
            return self._named(self.kind or "cluster", f"lane '{self.lane}' shared with "
                                                       f"{len(same)} shared holder(s) — admitted.")
        return refuse(f"lane '{self.lane}' is already held: {describe_holders(same)} — pick a "
                      f"different --lane or wait.", blocking=same, free=self._free())

    def _exclusive(self) -> LaneDecision:
        lane = self.lane or "global"
        if self.live:
            return refuse(f"'{lane}' is an exclusive lane; {len(self.live)} loop(s) already live "
                          f"({describe_holders(self.live)}). It must run alone — wait for them to "
                          f"finish.", blocking=self.live, free=self._free())
        tree = self._tree_of(lane)
        req = replace(self.request, lane=lane, tree=tree, mode=LockMode.EXCLUSIVE)
        reason = run_predicates(self.rules, req, tree, self.live)
        if reason:
            return refuse(reason)
        kind = lane if self.tax.is_exclusive(lane) else "global"
        return LaneDecision("acquire", lane, kind, tree,
                            f"exclusive lane '{lane}' admitted — no other loop is live.")

    def _named(self, kind: str, ok: str, suffix: str = "") -> LaneDecision:
        tree = self._tree_of(self.lane)
        req = replace(self.request, tree=tree)
        reason = run_predicates(self.rules, req, tree, self.live)
        if reason:
            clash = self.view.conflicting(tree, req.mode)
            return refuse(reason + suffix, blocking=clash, free=self._free())
        return LaneDecision("acquire", self.lane, kind, tree, ok, mode=req.mode)

    def _autopick(self, why: str) -> LaneDecision:
        blockers: list[Lease] = []
        collided: list[str] = []
        for name in self.tax.autopick:
            name = self.tax.canonical(name)
            if self._is_held(name) or self.tax.is_exclusive(name):
                continue
            tree = self.tax.tree_for(name)
            req = replace(self.request, lane=name, kind="cluster", tree=tree)
            reason = run_predicates(self.rules, req, tree, self.live)
            if reason is None:
                return LaneDecision("acquire", name, "cluster", tree,
                                    f"auto-picked free cluster lane '{name}' {why}.", auto_picked=True,
                                    mode=req.mode)
            collided.append(name)
            blockers.extend(self.view.conflicting(tree, req.mode))
        if collided:
            return refuse(f"no free cluster lane is admissible: {', '.join(repr(n) for n in collided)} "
                          f"refused (tree collision or policy; blocking: "
                          f"{describe_holders(_unique(blockers)) or 'none'}). Wait for a holder to "
                          f"finish, then re-invoke.", blocking=blockers)
        return refuse("all concurrent cluster lanes are held by live loops — no free lane to "
                      "auto-pick. Wait for one to finish, then re-invoke.", blocking=self.live)

    # -- helpers ----------------------------------------------------------------------------
    def _why(self) -> str:
        if not self.lane:
            return "(bare invocation)"
        if self.kind.casefold() == "keyword":
            return f"(requested --lane '{self.lane}' has no tree — degraded to auto-pick)"
        if self._is_held(self.lane):
            return f"(requested '{self.lane}' was busy)"
        if not self.tax.is_known(self.lane):
            return f"(requested '{self.lane}' is not a lane in this workspace)"
        return f"(requested '{self.lane}' with kind '{self.kind}')"

    def _tree_of(self, lane: str) -> tuple[str, ...]:
        return tuple(self.request.tree) or self.tax.tree_for(lane)

    def _is_held(self, lane: str) -> bool:
        return self.idx.canonical(lane).casefold() in self.held

    def _exclusive_request(self) -> bool:
        kind = self.kind.casefold()
        return kind == "global" or (bool(kind) and self.tax.is_exclusive(kind)) or self.tax.is_exclusive(self.lane)

    def _free(self) -> tuple[str, ...]:
        return tuple(n for n in self.tax.autopick if not self._is_held(n))

    @staticmethod
    def _bad_tree(tree: Sequence[str]) -> str:
        try:
            tree_regions(tree)
        except PathEscapesWorkspace as exc:
            return f"requested tree is invalid: {exc}; use workspace-relative paths."
        return ""


def _unique(leases: Sequence[Lease]) -> list[Lease]:
    return list({x.lease_id: x for x in leases}.values())


__all__ = ["arbitrate", "arbitrate_linear", "refuse", "LeaseIndex", "SelfModify"]
