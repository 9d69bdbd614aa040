"""Lint over the lane taxonomy and the reason registry: dead or conflicting policy."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Mapping, Sequence

from dos.kernel.tree import PathEscapesWorkspace, Region, regions


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    severity: str  # "error" | "warn" | "info"
    subject: str
    detail: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "severity": self.severity, "subject": self.subject,
                "detail": self.detail, "fix": self.fix}

    def line(self) -> str:
        return f"[{self.severity}] {self.kind} '{self.subject}': {self.detail} - {self.fix}"


def lint_lanes(
    concurrent: Sequence[str],
    exclusive: Sequence[str],
    autopick: Sequence[str],
    trees: Mapping[str, Sequence[str]],
    aliases: Mapping[str, str],
) -> list[Finding]:
    """Findings for a lane taxonomy, in a stable order."""
    out: list[Finding] = []
    declared = set(concurrent) | set(exclusive)
    for lane in dict.fromkeys((*concurrent, *autopick)):
        if not trees.get(lane):
            out.append(Finding("LANE_WITHOUT_TREE", "error", lane,
                               "a concurrent or autopick lane has no tree, so its blast radius is unknown",
                               f"add {lane} = [\"{lane}/**\"] under [lanes.trees]"))
    for lane, tree in trees.items():
        try:
            regions(tree)
        except PathEscapesWorkspace as exc:
            out.append(Finding("LANE_TREE_ESCAPES", "error", lane, str(exc),
                               "tree entries are relative to the workspace root"))
    for lane in sorted(set(concurrent) & set(exclusive)):
        out.append(Finding("LANE_BOTH_CONCURRENT_AND_EXCLUSIVE", "error", lane,
                           "declared both concurrent and exclusive",
                           "keep it in one of [lanes] concurrent or exclusive"))
    for lane in autopick:
        if lane not in declared:
            out.append(Finding("AUTOPICK_LANE_UNDECLARED", "warn", lane,
                               "autopick names a lane that is not declared",
                               "add it to [lanes] concurrent, or drop it from autopick"))
    for keyword, target in sorted(aliases.items()):
        if target not in declared:
            out.append(Finding("ALIAS_TARGET_UNDECLARED", "warn", keyword,
                               f"alias points at undeclared lane '{target}'",
                               "declare the lane or fix the alias"))
    conc = [lane for lane in dict.fromkeys(concurrent) if trees.get(lane)]
    for a, b, shadowed in overlapping_lanes({lane: trees[lane] for lane in conc}):
        if shadowed:
            inner, outer = shadowed
            out.append(Finding("LANE_REGION_SHADOWED", "warn", inner,
                               f"concurrent lane '{inner}''s region is wholly inside concurrent lane '{outer}''s, so "
                               f"'{inner}' can never be taken while '{outer}' is held",
                               f"remove lane '{inner}', or carve '{outer}' so it no longer contains it"))
        else:
            out.append(Finding("CONCURRENT_LANES_OVERLAP", "warn", f"{a}/{b}",
                               "two concurrent lanes share part of the tree, so they can never run together",
                               "make their trees disjoint, or make one of them exclusive"))
    return out


def _inside(q: Region, p: Region) -> bool:
    """Is every path of region Q also in region P?"""
    if p.universal:
        return True
    if p.partial:
        return q.prefix.startswith(p.prefix)
    return q.prefix == p.prefix and not q.partial or q.prefix.startswith(p.prefix + "/")


def overlapping_lanes(trees: Mapping[str, Sequence[str]]) -> list[tuple[str, str, tuple[str, str] | None]]:
    """Pairs of lanes whose trees collide, each with (inner, outer) when one lies wholly inside the other.

    Indexed by prefix, so the cost follows the number of colliding pairs, not the square of the lanes.
    """
    regs: dict[str, tuple[Region, ...]] = {}
    for lane, tree in trees.items():
        try:
            regs[lane] = regions(tree)
        except PathEscapesWorkspace:
            continue
    whole: dict[str, set[str]] = {}
    partial: dict[str, set[str]] = {}
    entries: list[tuple[str, str]] = []
    universal: list[str] = []
    for lane, rs in regs.items():
        for r in rs:
            if r.universal:
                universal.append(lane)
            (partial if r.partial else whole).setdefault(r.prefix, set()).add(lane)
            entries.append((r.prefix, lane))
    entries.sort()
    keys = [e[0] for e in entries]
    pairs: set[tuple[str, str]] = set()
    order = {lane: i for i, lane in enumerate(regs)}

    def meet(x: str, y: str) -> None:
        if x != y:
            pairs.add((x, y) if order[x] < order[y] else (y, x))

    for lane, rs in regs.items():
        for r in rs:
            if r.universal:
                for other in regs:
                    meet(lane, other)
                continue
            segs = r.prefix.split("/")
            for k in range(1, len(segs) + (0 if r.partial else 1)):
                for other in whole.get("/".join(segs[:k]), ()):
                    meet(lane, other)
            for k in range(1, len(r.prefix) + 1):
                for other in partial.get(r.prefix[:k], ()):
                    meet(lane, other)
            below = r.prefix if r.partial else r.prefix + "/"
            for i in range(bisect_left(keys, below), len(keys)):
                if not keys[i].startswith(below):
                    break
                meet(lane, entries[i][1])
            for other in universal:
                meet(lane, other)
    out = []
    for x, y in sorted(pairs, key=lambda p: (order[p[0]], order[p[1]])):
        y_in_x = all(any(_inside(q, p) for p in regs[x]) for q in regs[y])
        x_in_y = all(any(_inside(q, p) for p in regs[y]) for q in regs[x])
        # Shadowed means strictly inside: two lanes with the same region simply overlap.
        shadow = (y, x) if y_in_x and not x_in_y else (x, y) if x_in_y and not y_in_x else None
        out.append((x, y, shadow))
    return out


def lint_reasons(custom: Mapping[str, Sequence[str]], known: set[str]) -> list[Finding]:
    """Info findings for ``see_also`` entries that name no known reason."""
    out = []
    for token, see_also in sorted(custom.items()):
        for ref in see_also:
            if ref not in known:
                out.append(Finding("REASON_SEE_ALSO_DANGLES", "info", token,
                                   f"see_also names unknown reason '{ref}'", "fix or drop the reference"))
    return out
