"""Lint over the lane taxonomy and the reason registry: dead or conflicting policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from dos.kernel.tree import PathEscapesWorkspace, regions, trees_collide


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
        if lane in declared and not trees.get(lane):
            out.append(Finding("LANE_WITHOUT_TREE", "error", lane,
                               "a concurrent lane has no tree, so its blast radius is unknown",
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
    for i, a in enumerate(conc):
        for b in conc[i + 1:]:
            try:
                clash = trees_collide(trees[a], trees[b])
            except PathEscapesWorkspace:
                continue
            if clash:
                out.append(Finding("CONCURRENT_LANES_OVERLAP", "warn", f"{a}/{b}",
                                   "two concurrent lanes share part of the tree, so they can never run together",
                                   "make their trees disjoint, or make one of them exclusive"))
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
