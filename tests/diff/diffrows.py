"""Rows of the differential table and how a row's observations are judged.

A ``Row`` is one command run on both sides over one ``Workspace``. What is compared:

* the exit code;
* when both sides print JSON (the whole stdout, or JSON lines): the set of keys and each
  shared key's JSON type, one level into objects and into lists' first element
  (``diffkit.shape``);
* when the exit codes agree but only one side prints JSON: that presence;
* the values at the row's ``values`` paths (``a.b``, ``a[0]``, ``a[*].b``; a ``|empty``
  suffix compares only emptiness, ``|sorted`` sorts a ``[*]`` list);
* whether our side printed a Python traceback (never expected from us).

Every expected difference is a ``Diff`` in the row, with a category and a one-line
reason. A row with no ``Diff`` must match exactly; a ``Diff`` that does not occur is
stale and fails the row too, so the table cannot drift from the code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from diffkit import NOJSON, SideResult, Workspace, parse_json, shape_diff

COMPAT = Path(__file__).resolve().parents[2] / "docs" / "compat.md"

# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Cat:
    kind: str          # DOCUMENTED | BUG_OURS | BUG_REF
    cite: str = ""     # DOCUMENTED: the compat.md bullet's first words; BUG_REF: the spec item


BUG = Cat("BUG_OURS")


def DOC(bullet: str) -> Cat:
    return Cat("DOCUMENTED", bullet)


def REF(item: str) -> Cat:
    return Cat("BUG_REF", item)


def compat_bullets() -> list[str]:
    """The text of every top-level bullet of docs/compat.md (after the leading '- ')."""
    return [ln[2:] for ln in COMPAT.read_text().splitlines() if ln.startswith("- ")]


_SPEC_ITEM = re.compile(r"^(truth|lanes|surfaces)\.md §\d+(\.\d+)*$")


def check_cat(cat: Cat, bullets: list[str]) -> str:
    """'' when CAT is well-formed (a DOCUMENTED cite opens a compat.md bullet), else why not."""
    if cat.kind == "DOCUMENTED":
        if not cat.cite or not any(b.startswith(cat.cite) for b in bullets):
            return f"DOCUMENTED cite {cat.cite!r} opens no bullet of docs/compat.md"
    elif cat.kind == "BUG_REF":
        if not _SPEC_ITEM.match(cat.cite):
            return f"BUG_REF cite {cat.cite!r} is not 'truth|lanes|surfaces.md §N[.M]'"
    elif cat.kind != "BUG_OURS":
        return f"unknown category {cat.kind!r}"
    return ""


# --------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class Diff:
    kind: str          # exit | missing | extra | type | value | json | traceback
    data: Any
    cat: Cat
    why: str


def Exit(ref: int, ours: int, cat: Cat, why: str) -> Diff:
    return Diff("exit", (ref, ours), cat, why)


def Missing(keys: set[str] | frozenset[str], cat: Cat, why: str) -> Diff:
    return Diff("missing", frozenset(keys), cat, why)


def Extra(keys: set[str] | frozenset[str], cat: Cat, why: str) -> Diff:
    return Diff("extra", frozenset(keys), cat, why)


def Types(types: dict[str, tuple[str, str]], cat: Cat, why: str) -> Diff:
    return Diff("type", tuple(sorted(types.items())), cat, why)


def Value(path: str, ref: Any, ours: Any, cat: Cat, why: str) -> Diff:
    return Diff("value", (path, json.dumps(ref, sort_keys=True), json.dumps(ours, sort_keys=True)),
                cat, why)


def Json(ref: bool, ours: bool, cat: Cat, why: str) -> Diff:
    return Diff("json", (ref, ours), cat, why)


def Traceback(cat: Cat, why: str) -> Diff:
    return Diff("traceback", True, cat, why)


@dataclass(frozen=True)
class Row:
    id: str
    argv: tuple[str, ...]
    ws: Workspace
    diffs: tuple[Diff, ...] = ()
    stdin: str | None = None
    values: tuple[str, ...] = ()
    timeout: float = 60.0


# --------------------------------------------------------------------------- observing

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")
MISSING_VALUE = "<missing>"


def get_path(value: Any, path: str) -> Any:
    """VALUE at PATH ('a.b', 'a[0].b', 'a[*].b'); MISSING_VALUE where it does not exist."""
    tokens = [(m.group(1), m.group(2)) for m in _TOKEN.finditer(path)]

    def walk(v: Any, i: int) -> Any:
        if i == len(tokens):
            return v
        key, idx = tokens[i]
        if key is not None:
            if not isinstance(v, dict) or key not in v:
                return MISSING_VALUE
            return walk(v[key], i + 1)
        if not isinstance(v, list):
            return MISSING_VALUE
        if idx == "*":
            return [walk(x, i + 1) for x in v]
        n = int(idx)
        return walk(v[n], i + 1) if n < len(v) else MISSING_VALUE

    return walk(value, 0)


def observe_value(doc: Any, spec: str) -> str:
    path, _, norm = spec.partition("|")
    v = MISSING_VALUE if doc is NOJSON else get_path(doc, path)
    if norm == "empty":
        v = v if v == MISSING_VALUE else (not v)
    elif norm == "sorted" and isinstance(v, list):
        v = sorted(v, key=lambda x: json.dumps(x, sort_keys=True))
    elif norm:
        raise ValueError(f"unknown value norm {norm!r} in {spec!r}")
    return json.dumps(v, sort_keys=True)


def has_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text


@dataclass
class Observed:
    exit: tuple[int, int] | None = None
    missing: frozenset[str] = frozenset()
    extra: frozenset[str] = frozenset()
    types: tuple[tuple[str, tuple[str, str]], ...] = ()
    values: dict[str, tuple[str, str]] = field(default_factory=dict)
    json: tuple[bool, bool] | None = None
    traceback: bool = False


def observe(row: Row, ref: SideResult, ours: SideResult) -> Observed:
    obs = Observed()
    if ref.main.rc != ours.main.rc:
        obs.exit = (ref.main.rc, ours.main.rc)
    a, b = parse_json(ref.main.out), parse_json(ours.main.out)
    if a is not NOJSON and b is not NOJSON:
        missing, extra, types = shape_diff(a, b)
        obs.missing, obs.extra = frozenset(missing), frozenset(extra)
        obs.types = tuple(sorted(types.items()))
    elif (a is NOJSON) != (b is NOJSON) and obs.exit is None:
        obs.json = (a is not NOJSON, b is not NOJSON)
    for spec in row.values:
        va, vb = observe_value(a, spec), observe_value(b, spec)
        if va != vb:
            obs.values[spec] = (va, vb)
    obs.traceback = has_traceback(ours.main.err)
    return obs


def judge(row: Row, obs: Observed) -> list[str]:
    """Problems: observed differences the row does not declare, and stale declarations."""
    problems: list[str] = []
    by_kind: dict[str, list[Diff]] = {}
    for d in row.diffs:
        by_kind.setdefault(d.kind, []).append(d)

    def one(kind: str) -> Diff | None:
        ds = by_kind.get(kind, [])
        if len(ds) > 1:
            problems.append(f"{kind}: declared {len(ds)} times (list it once)")
        return ds[0] if ds else None

    d = one("exit")
    if obs.exit != (d.data if d else None):
        problems.append(f"exit: observed {_fmt_exit(obs.exit)}, declared {_fmt_exit(d.data if d else None)}")

    for kind, seen in (("missing", obs.missing), ("extra", obs.extra)):
        declared: set[str] = set()
        for x in by_kind.get(kind, []):
            if declared & x.data:
                problems.append(f"{kind}: {sorted(declared & x.data)} declared twice")
            declared |= x.data
        if seen - declared:
            problems.append(f"keys_{kind}_ours not declared: {sorted(seen - declared)}")
        if declared - seen:
            problems.append(f"keys_{kind}_ours declared but not observed (stale): {sorted(declared - seen)}")

    declared_types: dict[str, tuple[str, str]] = {}
    for x in by_kind.get("type", []):
        declared_types.update(dict(x.data))
    seen_types = dict(obs.types)
    for k in sorted(set(declared_types) | set(seen_types)):
        if declared_types.get(k) != seen_types.get(k):
            problems.append(f"type {k!r}: observed {seen_types.get(k)}, declared {declared_types.get(k)}")

    declared_values = {x.data[0]: (x.data[1], x.data[2]) for x in by_kind.get("value", [])}
    for spec in set(declared_values) - set(row.values):
        problems.append(f"value {spec!r} declared but not in the row's values")
    for spec in row.values:
        if declared_values.get(spec) != obs.values.get(spec):
            problems.append(f"value {spec!r}: observed {obs.values.get(spec)}, declared "
                            f"{declared_values.get(spec)}")

    d = one("json")
    if obs.json != (d.data if d else None):
        problems.append(f"json output (ref, ours): observed {obs.json}, declared {d.data if d else None}")

    d = one("traceback")
    if obs.traceback != bool(d):
        problems.append("our side printed a Python traceback" if obs.traceback
                        else "traceback declared but our side printed none (stale)")
    return problems


def _fmt_exit(e: tuple[int, int] | None) -> str:
    return "same" if e is None else f"(ref {e[0]}, ours {e[1]})"


def suggest(obs: Observed) -> list[str]:
    """The Diff lines that would declare OBS (for the report script)."""
    out = []
    if obs.exit:
        out.append(f"Exit({obs.exit[0]}, {obs.exit[1]}, ?, '')")
    if obs.missing:
        out.append(f"Missing({set(sorted(obs.missing))}, ?, '')")
    if obs.extra:
        out.append(f"Extra({set(sorted(obs.extra))}, ?, '')")
    if obs.types:
        out.append(f"Types({dict(obs.types)}, ?, '')")
    for spec, (a, b) in obs.values.items():
        out.append(f"Value({spec!r}, {a}, {b}, ?, '')")
    if obs.json:
        out.append(f"Json({obs.json[0]}, {obs.json[1]}, ?, '')")
    if obs.traceback:
        out.append("Traceback(?, '')")
    return out
