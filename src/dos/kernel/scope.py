"""Does a write set stay inside its lane's tree? The scope verdict and the merge gate over it.

Evidence is the touched files, the lane's tree and its name. Membership is the tree
algebra of ``dos.kernel.tree`` (canonical, segment-aware, case-insensitive). Shared
infrastructure files (``__init__.py``, ``pyproject.toml`` ...) outside the tree are
tolerated, never counted as creep; a path that climbs out of the workspace never is.
The gate turns the verdict into allow/refuse and adds the fence checks of the commits
(``dos.kernel.fence``): a stale fence refuses before scope is considered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Iterable, Sequence

from dos.kernel.tree import PathEscapesWorkspace, canonical_path, regions

SHARED_INFRA = frozenset({"config.py", "__init__.py", "settings.py", "constants.py", "cli.py", "conftest.py",
                          "pyproject.toml", "setup.py", "setup.cfg"})
UNIVERSAL_TREE = ("**/*",)


class Scope(StrEnum):
    IN_SCOPE = "IN_SCOPE"
    SCOPE_CREEP = "SCOPE_CREEP"
    WRONG_TARGET = "WRONG_TARGET"


@dataclass(frozen=True, slots=True)
class ScopePolicy:
    """ALLOW_SHARED_INFRA: tolerate SHARED_INFRA basenames outside the tree; CREEP_TOLERANCE: how many
    genuine out-of-tree files still pass; REFUSE_ON: the verdicts the gate refuses (never IN_SCOPE)."""

    allow_shared_infra: bool = True
    creep_tolerance: int = 0
    refuse_on: frozenset[Scope] = frozenset({Scope.SCOPE_CREEP, Scope.WRONG_TARGET})

    def __post_init__(self) -> None:
        if self.creep_tolerance < 0:
            raise ValueError("creep_tolerance must be >= 0")
        if Scope.IN_SCOPE in self.refuse_on:
            raise ValueError("IN_SCOPE can never be refused")


def normalize_files(paths: Iterable[str]) -> tuple[str, ...]:
    """Touched files as the verdict sees them: ``\\``->``/``, trimmed, blanks dropped, deduplicated, sorted."""
    out = {p.replace("\\", "/").strip() for p in paths if isinstance(p, str)}
    return tuple(sorted(p for p in out if p))


@dataclass(frozen=True, slots=True)
class ScopeEvidence:
    lane: str
    touched_files: tuple[str, ...]
    lane_tree: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"lane": self.lane, "touched_files": list(self.touched_files), "lane_tree": list(self.lane_tree)}


@dataclass(frozen=True, slots=True)
class ScopeVerdict:
    verdict: Scope
    reason: str
    in_scope_files: tuple[str, ...]
    out_of_scope_files: tuple[str, ...]
    evidence: ScopeEvidence
    creep_files: tuple[str, ...] = ()  # the out-of-tree files that count (not tolerated shared infra)
    escaping_files: tuple[str, ...] = ()  # paths that climb out of the workspace

    @property
    def token(self) -> str:
        return str(self.verdict)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reason": self.reason, "in_scope_files": list(self.in_scope_files),
                "out_of_scope_files": list(self.out_of_scope_files), "evidence": self.evidence.to_dict()}


def _inside(path: str, tree_regions: Sequence[Any]) -> bool | None:
    """True/False for a workspace path; None when the path escapes the workspace."""
    try:
        canonical_path(path)
    except PathEscapesWorkspace:
        return None
    return any(r.contains_path(path) for r in tree_regions)


def _name(lane: str) -> str:
    return lane or "(unnamed)"


def _list(files: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(files[:limit])
    return shown + (f" (+{len(files) - limit} more)" if len(files) > limit else "")


def classify(ev: ScopeEvidence, policy: ScopePolicy = ScopePolicy()) -> ScopeVerdict:
    """IN_SCOPE, SCOPE_CREEP (some files in the tree, too many outside) or WRONG_TARGET (none inside)."""
    files = ev.touched_files
    if not files:
        return ScopeVerdict(Scope.IN_SCOPE, "empty footprint: no files touched, nothing to judge", (), (), ev)
    tree = regions(ev.lane_tree)
    if not tree:
        return ScopeVerdict(Scope.WRONG_TARGET, f"lane {_name(ev.lane)} declares no tree: cannot certify "
                            f"containment of {len(files)} touched file(s) (unknown blast radius)",
                            (), files, ev, creep_files=files)
    inside, outside, escaping, tolerated = [], [], [], []
    for path in files:
        where = _inside(path, tree)
        if where:
            inside.append(path)
            continue
        outside.append(path)
        if where is None:
            escaping.append(path)
        elif policy.allow_shared_infra and path.rsplit("/", 1)[-1] in SHARED_INFRA:
            tolerated.append(path)
    creep = [p for p in outside if p not in tolerated]
    common = dict(in_scope_files=tuple(inside), out_of_scope_files=tuple(outside), evidence=ev,
                  creep_files=tuple(creep), escaping_files=tuple(escaping))
    note = f" ({len(escaping)} of them leave the workspace)" if escaping else ""
    if len(creep) > policy.creep_tolerance or escaping:
        if inside:
            return ScopeVerdict(Scope.SCOPE_CREEP, f"lane {_name(ev.lane)}: {len(inside)} file(s) inside its "
                                f"tree but {len(creep)} outside it: {_list(creep)}{note}", **common)
        return ScopeVerdict(Scope.WRONG_TARGET, f"lane {_name(ev.lane)}: none of the {len(files)} touched "
                            f"file(s) is inside its tree: {_list(creep)}{note}", **common)
    extra = []
    if tolerated:
        extra.append(f"{len(tolerated)} shared-infra file(s) outside the tree tolerated")
    if creep:
        extra.append(f"{len(creep)} out-of-tree file(s) within the tolerance of {policy.creep_tolerance}")
    tail = f" ({'; '.join(extra)})" if extra else ""
    return ScopeVerdict(Scope.IN_SCOPE, f"all {len(inside)} counted file(s) fall inside lane "
                        f"{_name(ev.lane)}'s tree{tail}", **common)


# --------------------------------------------------------------------------- the gate


@dataclass(frozen=True, slots=True)
class GateVerdict:
    """The merge gate: ALLOW, or the refusing token (STALE_FENCE, UNFENCED, SCOPE_CREEP, WRONG_TARGET)."""

    allowed: bool
    verdict: str  # the deciding check's token; the scope verdict when fences pass
    reason: str
    refused_files: tuple[str, ...]
    scope: ScopeVerdict
    fences: tuple[Any, ...] = field(default=())  # dos.kernel.fence.FenceCheck, one per lease claim
    unfenced: tuple[str, ...] = ()  # commits with no DOS-Lease trailer (refused only when a lease is required)

    @property
    def token(self) -> str:
        return "ALLOW" if self.allowed else self.verdict

    @property
    def evidence(self) -> dict[str, Any]:
        return {"scope": self.scope.to_dict(), "fences": [f.to_dict() for f in self.fences]}

    def to_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "verdict": self.verdict, "reason": self.reason,
                "refused_files": list(self.refused_files), "scope": self.scope.to_dict(),
                "fences": [f.to_dict() for f in self.fences], "unfenced_commits": list(self.unfenced)}


def gate(scope: ScopeVerdict, *, fences: Sequence[Any] = (), unfenced: Sequence[str] = (),
         require_lease: bool = False, policy: ScopePolicy = ScopePolicy()) -> GateVerdict:
    """Allow iff every fence passes, no commit is unfenced when a lease is required, and scope is not refused."""
    common = dict(scope=scope, fences=tuple(fences), unfenced=tuple(unfenced))
    bad = [f for f in fences if not f.passes]
    if bad:
        first = bad[0]
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        return GateVerdict(False, "STALE_FENCE", f"write REFUSED (STALE_FENCE) — {first.reason}{more}",
                           (), **common)
    if require_lease and unfenced:
        return GateVerdict(False, "UNFENCED", f"write REFUSED (UNFENCED) — {len(unfenced)} commit(s) carry no "
                           f"DOS-Lease trailer: {_list([c[:12] for c in unfenced])}", (), **common)
    if scope.verdict in policy.refuse_on:
        return GateVerdict(False, str(scope.verdict), f"write REFUSED ({scope.verdict}) — {scope.reason}",
                           scope.creep_files, **common)
    return GateVerdict(True, str(scope.verdict), f"write ALLOWED — {scope.reason}", (), **common)
