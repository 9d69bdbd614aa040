"""``dos man``: pages rendered from the live registries (the reasons and the lanes), never hand-written.

Sections: ``wedge`` (the refusal reasons; ``reasons`` is an alias) and ``lane`` (the lane
taxonomy). ``page(words, ...)`` resolves what a reader typed (``["wedge", "LANE_DRAINED"]``,
a bare token or lane name, or nothing for the index) to a Page, or None when no page exists,
so a test can check that every "see dos man ..." in the code names a real page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from dos.kernel.reasons import DEFAULT_SEE_ALSO, ReasonSpec

SECTIONS = {"wedge": "the refusal reasons: what each token means and how to clear it",
            "lane": "the lanes of this workspace: kind, tree and aliases"}
SECTION_ALIASES = {"reasons": "wedge", "reason": "wedge", "wedges": "wedge", "lanes": "lane"}


@dataclass(frozen=True, slots=True)
class LaneInfo:
    name: str
    kind: str  # concurrent | exclusive
    tree: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """One page: its SECTION ('' for the index), KEY ('' for a section list), text LINES and JSON DATA."""

    section: str
    key: str
    lines: tuple[str, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    interpretation: str = ""

    @property
    def title(self) -> str:
        return " ".join(x for x in ("dos man", self.section, self.key) if x)

    def text(self, explain: bool = False) -> str:
        out = list(self.lines)
        if explain and self.interpretation:
            out.append(self.interpretation)
        return "\n".join(out) + "\n"

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        d = dict(self.data)
        if explain and self.interpretation:
            d["interpretation"] = self.interpretation
        return d


def interpretation(spec: ReasonSpec) -> str:
    """The one-line next-action gloss ``dos man wedge TOKEN --explain`` adds to a reason's page."""
    if spec.refusal:
        return (f"VALID reason: {spec.token} is a refusal ({spec.category}); safe to emit, and the operator can "
                f"route it (to a replan) because it names a condition that can be checked.")
    return f"VALID reason: {spec.token} is advisory ({spec.category}); it informs and blocks nothing."


def reason_page(spec: ReasonSpec) -> Page:
    see = spec.see_also or DEFAULT_SEE_ALSO
    lines = [f"NAME        {spec.token}" + (f"  - {spec.summary}" if spec.summary else ""),
             f"CATEGORY    {spec.category}",
             f"REFUSAL?    {'yes: route it to a replan' if spec.refusal else 'no: advisory only'}",
             f"TYPICAL FIX {spec.fix or '(none recorded)'}",
             f"SEE ALSO    {'   ·   '.join(see)}"]
    data = {"section": "wedge", "key": spec.token, "category": spec.category, "refusal": spec.refusal,
            "summary": spec.summary, "fix": spec.fix, "see_also": list(see)}
    return Page("wedge", spec.token, tuple(lines), data, interpretation(spec))


def reason_list(registry: Mapping[str, ReasonSpec]) -> Page:
    lines = [f"{token:<42} {spec.category}" for token, spec in registry.items()]
    data = {"section": "wedge", "entries": [{"key": t, "category": s.category, "refusal": s.refusal}
                                            for t, s in registry.items()]}
    return Page("wedge", "", tuple(lines), data)


def lane_page(lane: LaneInfo) -> Page:
    sharing = ("runs alone: nothing else may be live beside it" if lane.kind == "exclusive"
               else "may run beside other lanes whose trees are disjoint")
    lines = [f"NAME        {lane.name}", f"KIND        {lane.kind}", f"EXCLUSIVITY {sharing}",
             f"TREE        {'  '.join(lane.tree) if lane.tree else '(none declared: an unknown region)'}"]
    if lane.aliases:
        lines.append(f"ALIASES     {', '.join(lane.aliases)}")
    data = {"section": "lane", "name": lane.name, "kind": lane.kind, "tree": list(lane.tree),
            "aliases": list(lane.aliases)}
    return Page("lane", lane.name, tuple(lines), data)


def lane_list(lanes: Sequence[LaneInfo]) -> Page:
    lines = [f"{x.name:<16} {x.kind}" for x in lanes]
    data = {"section": "lane", "entries": [{"name": x.name, "kind": x.kind, "tree": list(x.tree)} for x in lanes]}
    return Page("lane", "", tuple(lines), data)


def index_page(registry: Mapping[str, ReasonSpec], lanes: Sequence[LaneInfo]) -> Page:
    lines = ["dos man: pages built from this workspace's registries", ""]
    lines += [f"  dos man {name:<6} {what}" for name, what in SECTIONS.items()]
    lines += ["", "  dos man wedge TOKEN   one reason's page (also: dos man TOKEN)",
              "  dos man lane NAME     one lane's page (also: dos man NAME)", "",
              f"{len(registry)} reason(s), {len(lanes)} lane(s)."]
    data = {"section": "", "sections": dict(SECTIONS), "reasons": len(registry), "lanes": len(lanes)}
    return Page("", "", tuple(lines), data)


def _find_lane(name: str, lanes: Sequence[LaneInfo]) -> LaneInfo | None:
    want = name.casefold()
    for lane in lanes:
        if lane.name.casefold() == want or want in (a.casefold() for a in lane.aliases):
            return lane
    return None


def page(words: Sequence[str], registry: Mapping[str, ReasonSpec], lanes: Sequence[LaneInfo]) -> Page | None:
    """The page WORDS name (``[]``, ``[section]``, ``[section, key]`` or ``[key]``), or None if none exists."""
    words = [w.strip() for w in words if w.strip()]
    if not words:
        return index_page(registry, lanes)
    head = SECTION_ALIASES.get(words[0].lower(), words[0].lower())
    if head in SECTIONS and len(words) <= 2:
        key = words[1] if len(words) == 2 else ""
        if head == "wedge":
            if not key:
                return reason_list(registry)
            spec = registry.get(key.upper())
            return reason_page(spec) if spec is not None else None
        if not key:
            return lane_list(lanes)
        lane = _find_lane(key, lanes)
        return lane_page(lane) if lane is not None else None
    if len(words) == 1:
        spec = registry.get(words[0].upper())
        if spec is not None:
            return reason_page(spec)
        lane = _find_lane(words[0], lanes)
        if lane is not None:
            return lane_page(lane)
    return None


_MENTION = re.compile(r"\bdos man\b((?:[ \t]+[A-Za-z0-9_][A-Za-z0-9_.-]*){0,2})")
_COMMAND = re.compile(r"\bdos ([a-z][a-z0-9-]*)")


def mentions(text: str) -> list[list[str]]:
    """The words after each ``dos man`` in TEXT (``[]`` for a bare ``dos man``)."""
    return [m.group(1).split() for m in _MENTION.finditer(text)]


PLACEHOLDERS = frozenset({"TOKEN", "NAME", "ID", "SECTION", "TOPIC", "LANE", "X"})


def resolves(words: Sequence[str], registry: Mapping[str, ReasonSpec], lanes: Sequence[LaneInfo]) -> bool:
    """Does the mention WORDS name a page? A trailing lower-case word may be prose ('dos man lane lists ...'),
    and a placeholder (``dos man wedge TOKEN``) stands for any entry of the section before it."""
    words = list(words)
    if words and words[-1] in PLACEHOLDERS:
        return not words[:-1] or words[0].lower() in SECTIONS or words[0].lower() in SECTION_ALIASES
    if page(words, registry, lanes) is not None:
        return True
    return len(words) == 2 and words[1].isalpha() and words[1].islower() and \
        page(words[:1], registry, lanes) is not None


def broken_references(texts: Iterable[tuple[str, str]], registry: Mapping[str, ReasonSpec],
                      lanes: Sequence[LaneInfo], verbs: Iterable[str]) -> list[str]:
    """Each ``(where, text)`` whose ``dos man ...`` names no page, or whose ``dos VERB`` names no verb."""
    known = set(verbs)
    out = []
    for where, text in texts:
        for words in mentions(text):
            if not resolves(words, registry, lanes):
                out.append(f"{where}: 'dos man {' '.join(words)}' names no page")
        for verb in _COMMAND.findall(text):
            if verb not in known:
                out.append(f"{where}: 'dos {verb}' names no verb")
    return out


def reason_texts(registry: Mapping[str, ReasonSpec]) -> list[tuple[str, str]]:
    """Every text a reason shows a reader, labelled: its summary, fix and each see-also entry.

    A see-also entry that is not a ``dos ...`` command is a page name (a reason token or a lane).
    """
    out = []
    for token, spec in registry.items():
        out += [(f"{token}.summary", spec.summary), (f"{token}.fix", spec.fix)]
        for ref in spec.see_also or DEFAULT_SEE_ALSO:
            out.append((f"{token}.see_also", ref if ref.startswith("dos ") else f"dos man {ref}"))
    return out
