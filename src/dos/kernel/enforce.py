"""Hook enforcement verdicts: may this tool call write there, may this session stop, is it spinning?

Pure: the shell gathers the resolved paths, the live leases, the session's identity, the
claim's truth and the clock, and passes them in. A holder writes freely inside its own
live lease; a write into a region another live lease holds is denied naming that holder,
its lane and expiry. Cheap to import: it runs on every tool call.
"""

from __future__ import annotations

from dos.kernel.digest import REPEAT_N, STALL_N
from dos.kernel.overlap import conflicting
from dos.kernel.record import Record
from dos.kernel.tree import LockMode, PathEscapesWorkspace, tree_contains, trees_collide

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

    from dos.kernel.lease import Lease

ACTIONS = ("allow", "warn", "deny")


class EnforcePolicy(Record):
    """What the workspace says about edges the leases do not settle.

    ``protected``: the self-modify files that exist here; ``lane_trees``: the concurrent
    lanes' trees in declaration order (for auto-acquire).
    """

    __slots__ = ("unknown_footprint", "protected", "auto_acquire", "lane_trees")
    _defaults = {"unknown_footprint": "warn", "protected": (), "auto_acquire": False, "lane_trees": {}}


class Identity(Record):
    """Who is calling: the host's session id and, when the shell knows it, the holder name."""

    __slots__ = ("session", "holder")
    _defaults = {"session": "", "holder": ""}

    def owns(self, lease: Lease) -> bool:
        if self.session and lease.session:
            return lease.session == self.session
        if self.holder and lease.holder == self.holder:
            return True
        return bool(self.session) and lease.holder == self.session


class Verdict(Record):
    """One hook decision. ``token`` names the rule that fired; ``acquire`` asks the shell to take a lane."""

    __slots__ = ("action", "token", "reason", "paths", "blocking", "holder", "lane", "expires_ms", "acquire")
    _defaults = {"reason": "", "paths": (), "blocking": (), "holder": "", "lane": "", "expires_ms": None,
                 "acquire": ""}

    @property
    def evidence(self) -> dict[str, Any]:
        return {"paths": list(self.paths), "blocking": list(self.blocking), "holder": self.holder,
                "lane": self.lane, "expires_ms": self.expires_ms}

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "token": self.token, "reason": self.reason, **self.evidence,
                "acquire": self.acquire}


ALLOW = Verdict("allow", "ALLOW")


def pretool_verdict(paths: Sequence[str] | None, outside: Sequence[str], *, who: Identity,
                    live: Sequence[Lease], now_ms: int, policy: EnforcePolicy = EnforcePolicy(),
                    fence: int | None = None, unjudged: Sequence[tuple[str, str]] = ()) -> Verdict:
    """Decide a tool call writing workspace-relative PATHS (None: unknown footprint).

    ``""`` in PATHS is the workspace root, which touches every lane. OUTSIDE lists paths that
    resolve outside the workspace; UNJUDGED lists ``(path, why)`` the shell could not resolve.
    Order: outside, unjudged, self-modify, stale fence, collision (a lease without a tree
    collides with every write, as in the arbiter), unknown footprint, auto-acquire.
    """
    if outside:
        return Verdict("deny", "OUTSIDE_WORKSPACE", paths=tuple(outside), reason=(
            f"DOS: {outside[0]} is outside the workspace; agents write only inside it "
            "(run the host from the workspace root, or list the directory in [hooks] allowed_outside)."))
    mine = [x for x in live if who.owns(x)]
    others = [x for x in live if not who.owns(x)]
    if unjudged and others:
        path, why = unjudged[0]
        first = others[0]
        return Verdict("deny", "UNJUDGEABLE_PATH", paths=(path,), blocking=(first.lease_id,), holder=first.holder,
                       lane=first.lane, expires_ms=first.expires_ms, reason=(
                           f"DOS: cannot tell where {path} lands ({why}) while {len(others)} lane(s) are held by "
                           f"other sessions (e.g. '{lane_label(first)}' by {holder_label(first)}); "
                           "write to a plain path inside your own lane."))
    paths = None if paths is None else tuple(dict.fromkeys(paths))
    hit = [p for p in policy.protected for q in (paths or ()) if _touches(q, p)]
    if hit:
        return Verdict("deny", "SELF_MODIFY", paths=tuple(dict.fromkeys(hit)), reason=(
            f"DOS: {hit[0]} is the referee's own running code (SELF_MODIFY); edit it between "
            "runs with the hooks off, not from inside a run."))
    if fence is not None and not any(x.fence == fence for x in mine):
        return Verdict("deny", "STALE_FENCE", reason=(
            f"DOS: fence {fence} is no longer a live lease of this session (it expired or was "
            "taken over); re-acquire the lane and use the new fence."))
    if paths is None:
        return _unknown(others, policy)
    for path in paths:
        covering = [x for x in mine if x.tree and path and tree_contains(x.tree, path)]
        mode = LockMode.SHARED if covering and all(x.mode == LockMode.SHARED for x in covering) \
            else LockMode.EXCLUSIVE
        clash = conflicting((path,), mode, others)
        known = [x for x in clash if x.tree]
        if known:
            return _collision(path, known[0], len(clash), now_ms)
        if clash:
            return _blind(path, clash[0], now_ms)
    if paths and policy.auto_acquire and not mine:
        lane = lane_for(paths, policy.lane_trees)
        if lane:
            return Verdict("allow", "AUTO_ACQUIRE", paths=paths, lane=lane, acquire=lane,
                           reason=f"DOS: took lane '{lane}' for {paths[0]}")
    return Verdict("allow", "ALLOW", paths=paths)


def _touches(path: str, protected: str) -> bool:
    try:
        return trees_collide((path,), (protected,)) if path else True
    except PathEscapesWorkspace:
        return True


def _shown(path: str) -> str:
    return path or "the workspace root (every lane)"


def _collision(path: str, lease: Lease, n: int, now_ms: int) -> Verdict:
    more = f" (and {n - 1} more lease(s))" if n > 1 else ""
    where = f"{path} is inside" if path else "a write to the workspace root touches"
    return Verdict("deny", "COLLISION", paths=(path,), blocking=(lease.lease_id,), holder=lease.holder,
                   lane=lease.lane, expires_ms=lease.expires_ms, reason=(
                       f"DOS: {where} lane '{lane_label(lease)}' held by {holder_label(lease)}"
                       f"{more}; that lease expires {_when(lease.expires_ms, now_ms)}. Work elsewhere, "
                       "or wait for it to be released."))


def _blind(path: str, lease: Lease, now_ms: int) -> Verdict:
    """A lease without a tree holds an unknown region: it collides with every write, as in the arbiter."""
    return Verdict("deny", "UNKNOWN_REGION", paths=(path,), blocking=(lease.lease_id,), holder=lease.holder,
                   lane=lease.lane, expires_ms=lease.expires_ms, reason=(
                       f"DOS: lane '{lane_label(lease)}' held by {holder_label(lease)} has no tree (its region is "
                       f"unknown), so {_shown(path)} may be inside it; ask its holder to release it, or wait until "
                       f"it expires {_when(lease.expires_ms, now_ms)}."))


def _unknown(others: Sequence[Lease], policy: EnforcePolicy) -> Verdict:
    if not others or policy.unknown_footprint == "allow":
        return ALLOW
    first = others[0]
    return Verdict(policy.unknown_footprint, "UNKNOWN_FOOTPRINT", blocking=(first.lease_id,),
                   holder=first.holder, lane=first.lane, expires_ms=first.expires_ms, reason=(
                       f"DOS: cannot tell which files this call writes, and {len(others)} lane(s) are held "
                       f"by other sessions (e.g. '{lane_label(first)}' by {holder_label(first)}); "
                       "keep writes out of their trees."))


def lane_label(lease: Lease) -> str:
    return lease.lane or lease.lane_kind or "?"


def holder_label(lease: Lease) -> str:
    who = lease.holder or "<unnamed>"
    return f"{who} (session {lease.session})" if lease.session and lease.session != lease.holder else who


def _when(expires_ms: int, now_ms: int) -> str:
    left = max(0, expires_ms - now_ms) // 1000
    if left < 120:
        return f"in {left}s"
    if left < 7200:
        return f"in {left // 60}m"
    return f"in {left // 3600}h{(left % 3600) // 60:02d}m"


def lane_for(paths: Sequence[str], lane_trees: Mapping[str, Sequence[str]]) -> str:
    """The first declared lane whose tree holds every path, or '' if none does."""
    for lane, tree in lane_trees.items():
        if tree and all(p and tree_contains(tree, p) for p in paths):
            return lane
    return ""


# --------------------------------------------------------------------------- stop


def stop_verdict(claim: tuple[str, str] | None, shipped: bool | None, detail: str, *,
                 stop_hook_active: bool, blocks: int, cap: int) -> Verdict:
    """May the session stop? Refused while its claimed phase is not verified, at most CAP times in a row."""
    if claim is None or shipped:
        return ALLOW
    plan, phase = claim
    if cap <= 0 or (stop_hook_active and blocks >= cap):
        return Verdict("allow", "CAP_REACHED", lane=phase, reason=(
            f"DOS: letting the session stop after {blocks} refusal(s) in a row ([hooks] stop_block_cap = {cap}); "
            f"{plan} {phase} is still unverified (`dos verify {plan} {phase}`)."))
    why = f" ({detail})" if detail else ""
    return Verdict("deny", "UNVERIFIED_CLAIM", lane=phase, reason=(
        f"DOS verify: this session claimed {plan} {phase}, but git has no commit backing it{why}. "
        f"Land a commit whose subject stamps '{plan} {phase}' (check with `dos verify {plan} {phase}`), "
        "or correct the claim with `dos claim`, before stopping."))


# --------------------------------------------------------------------------- posttool


def stall_verdict(tool: str, run: int, *, ignore: Sequence[str] = ()) -> Verdict:
    """REPEATING at 3 identical steps in a row, STALLED at 5 (advisory: a warning, never a deny)."""
    if tool in ignore or run < REPEAT_N:
        return ALLOW
    token = "STALLED" if run >= STALL_N else "REPEATING"
    return Verdict("warn", token, reason=(
        f"DOS tool_stream {token}: `{tool}` returned identical results {run} times in a row for "
        "identical input; no new information. Change the approach instead of repeating the call."))


__all__ = ["ACTIONS", "ALLOW", "EnforcePolicy", "Identity", "Verdict", "pretool_verdict", "stop_verdict",
           "stall_verdict", "lane_for", "lane_label", "holder_label"]
