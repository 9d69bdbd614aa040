"""``dos enumerate``: the units a plan doc declares, which it stamps shipped, and drift.

Units come from headings that lead with a series token (or a number, without a series),
from table rows whose first cell is a series token, and, only when neither is found,
from ``### Phase N`` headings. Units are listed in document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from dos.kernel.plans import blank_fences

_HEADING = re.compile(r"^(#{2,6})\s+(.*)$")
_NUMERIC = re.compile(r"^(\d+(?:\.\d+)*)[.)]?(?:\s|—|–|-|$)")
_BULLET = re.compile(r"^\s*-\s+\*\*([^\s*]+)\*\*")
_PHASE_N = re.compile(r"^###\s+Phase\s+(\d+(?:\.\d+)?)\b", re.I)
_STRUCTURAL = re.compile(r"(?<!\bnot)(?<!\bnot yet)(?:[\s*(]|^)SHIPPED\b|\s[—·-]\s?SHIPPED\b", re.M)
_LOWER = re.compile(r"(?<!not )(?<!not yet )\bshipped\b|✅|✓|\[x\]")


def series_token(series: str) -> re.Pattern[str]:
    s = re.escape(series)
    return re.compile(rf"(?<![A-Za-z0-9]){s}(?:-?\d+[a-z]?(?:\.\d+)*(?:-(?!{s}\d)[A-Za-z0-9.]+)?"
                      rf"|-(?!{s}\d)[A-Za-z0-9][A-Za-z0-9.\-]*)(?![A-Za-z0-9.\-])", re.I)


@dataclass(frozen=True)
class Unit:
    unit: str
    source: str
    shipped: bool
    shipped_by: str  # meta-shipped | stamp | none
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "source": self.source, "shipped": self.shipped,
                "shipped_by": self.shipped_by, "evidence": self.evidence}


@dataclass(frozen=True)
class Enumeration:
    series: str
    units: tuple[Unit, ...]
    drift: tuple[dict[str, str], ...] = field(default_factory=tuple)

    @property
    def token(self) -> str:
        if not self.units:
            return "EMPTY"
        return "DRIFT" if self.drift else "CLEAN"

    @property
    def reason(self) -> str:
        shipped = sum(u.shipped for u in self.units)
        return (f"{len(self.units)} unit(s), {shipped} shipped, {len(self.drift)} drift finding(s)"
                if self.units else "no unit ids declared")

    @property
    def evidence(self) -> dict[str, Any]:
        return {"by_unit": {u.unit: u.to_dict() for u in self.units}, "drift": list(self.drift)}

    def to_dict(self) -> dict[str, Any]:
        return {"series": self.series, "units": [u.unit for u in self.units],
                "shipped": [u.unit for u in self.units if u.shipped],
                "remaining": [u.unit for u in self.units if not u.shipped],
                "by_unit": {u.unit: u.to_dict() for u in self.units}, "drift": list(self.drift)}

    def lines(self) -> list[str]:
        if not self.units:
            return ["(empty) — no unit ids declared"]
        shipped = sum(u.shipped for u in self.units)
        out = [f"series={self.series or '(generic)'}  units={len(self.units)}  shipped={shipped}  "
               f"remaining={len(self.units) - shipped}"]
        out += [f"  · {u.unit} via {u.shipped_by}" if u.shipped else f"  → {u.unit}" for u in self.units]
        out += [f"  ⚠ drift[{d['kind']}]: {d['detail']}" for d in self.drift]
        return out


def _norm(unit: str, series: str) -> str:
    m = re.match(r"^phase\s*(\d+(?:\.\d+)?)$", unit.strip(), re.I)
    if m and series:
        return f"{series}{m.group(1)}".upper()
    return unit.strip().upper()


def _is_shipped(text: str) -> bool:
    return bool(_STRUCTURAL.search(text.replace("NOT ", "not ")) or _LOWER.search(text))


def enumerate_units(text: str, series: str = "", meta_shipped: Iterable[str] = (), *,
                    heading_levels: Iterable[int] = (2, 3, 4, 5, 6), scan_tables: bool = True,
                    bare_phase_fallback: bool = True) -> Enumeration:
    """The units TEXT declares for SERIES (uppercased; '' for the generic numeric style).

    HEADING_LEVELS, SCAN_TABLES and BARE_PHASE_FALLBACK are ``[enumerate]``.
    """
    levels = set(heading_levels)
    series = series.strip().upper()
    lines = blank_fences(text).splitlines()
    tok = series_token(series) if series else None
    found: dict[str, dict[str, Any]] = {}  # unit -> {sources, texts, line}

    def add(unit: str, source: str, body: str, line: int) -> None:
        entry = found.setdefault(unit, {"sources": [], "texts": [], "line": line})
        if source not in entry["sources"]:
            entry["sources"].append(source)
        entry["texts"].append(body)

    for i, line in enumerate(lines):
        h = _HEADING.match(line)
        if h and len(h.group(1)) not in levels:
            continue  # a heading of a level [enumerate] does not read declares nothing
        if h:
            title = h.group(2).strip()
            unit = None
            if tok is not None:
                lead = re.sub(rf"^(?:\d+(?:\.\d+)*[.)]?\s+)?(?:{re.escape(series)}:?\s+)?", "", title, flags=re.I)
                m = tok.search(lead)
                if m and m.start() <= 2:
                    unit = m.group(0).upper()
            else:
                m = _NUMERIC.match(title)
                unit = m.group(1) if m else None
            if unit:
                level = len(h.group(1))
                end = next((j for j in range(i + 1, len(lines))
                            if (hm := _HEADING.match(lines[j])) and len(hm.group(1)) <= level), len(lines))
                add(unit, "header", "\n".join(lines[i:end]), i)
            continue
        b = _BULLET.match(line)
        if tok is not None and b:
            m = tok.fullmatch(b.group(1))
            if m:
                add(m.group(0).upper(), "bullet", _bullet_text(lines, i), i)
            continue
        if tok is not None and scan_tables and line.lstrip().startswith("|"):
            cells = [c.strip().strip("*` ") for c in line.strip().strip("|").split("|")]
            if cells:
                m = tok.match(cells[0])
                if m and (m.end() == len(cells[0]) or cells[0][m.end()] == " "):
                    add(m.group(0).upper(), "table-row", line, i)
    if not found and bare_phase_fallback:
        for i, line in enumerate(lines):
            m = _PHASE_N.match(line)
            if m:
                unit = f"{series}{m.group(1)}" if series else f"Phase {m.group(1)}"
                end = next((j for j in range(i + 1, len(lines)) if _HEADING.match(lines[j])), len(lines))
                add(unit, "generic-header", "\n".join(lines[i:end]), i)
    ids = set(found)
    meta = {_norm(u, series) for u in meta_shipped}
    units = []
    for unit, entry in sorted(found.items(), key=lambda kv: kv[1]["line"]):
        source = "header+table-row" if set(entry["sources"]) == {"header", "table-row"} else entry["sources"][0]
        evidence = entry["texts"][0].strip().splitlines()[0][:120] if entry["texts"][0].strip() else ""
        if unit.upper() in meta:
            units.append(Unit(unit, source, True, "meta-shipped", evidence))
            continue
        hit = next((t for t in (_own_text(t, unit, ids, tok) for t in entry["texts"]) if _is_shipped(t)), None)
        if hit is not None:
            units.append(Unit(unit, source, True, "stamp", hit.strip().splitlines()[0][:120]))
        else:
            units.append(Unit(unit, source, False, "none", evidence))
    drift = []
    if not found:
        drift.append({"kind": "empty", "detail": "no unit ids found in body", "span": ""})
    missing = sorted(meta - {u.upper() for u in ids})
    if missing:
        drift.append({"kind": "list_table_mismatch",
                      "detail": f"the shipped list names {', '.join(missing)}, which the doc does not declare",
                      "span": ""})
    return Enumeration(series, tuple(units), tuple(drift))


def _bullet_text(lines: list[str], i: int) -> str:
    end = next((j for j in range(i + 1, len(lines)) if _BULLET.match(lines[j]) or _HEADING.match(lines[j])),
               len(lines))
    return "\n".join(lines[i:end])


def _own_text(text: str, unit: str, ids: set[str], tok: re.Pattern[str] | None = None) -> str:
    """TEXT without lines that name another unit, declared or not (another id's stamp never ships this one).

    TOK, the series' id pattern, finds ids the doc mentions without declaring them (``AUTH3 (shipped)``
    under ``## AUTH2``); the heading line itself is always kept.
    """
    others = [o for o in ids if o != unit]
    rx = (re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(re.escape(o) for o in others) + r")(?![A-Za-z0-9])", re.I)
          if others else None)

    def names_another(line: str) -> bool:
        if rx is not None and rx.search(line):
            return True
        return tok is not None and any(m.group(0).upper() != unit.upper() for m in tok.finditer(line))

    kept = [ln for n, ln in enumerate(text.splitlines()) if n == 0 or not names_another(ln)]
    return "\n".join(kept)
