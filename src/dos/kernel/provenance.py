"""Did a model mint an id for a mutating tool call, or resolve it from bytes the environment wrote?

Each argument of a mutating call is SUPPORTED (its id, or every data-bearing part of it, appears
in a prior tool result or the task text), UNSUPPORTED (an id-shaped reference with a part found
nowhere: it looks made up), or ABSTAIN (not id-shaped, the call's own new key, or nothing to
check against). The call is believed unless some argument is UNSUPPORTED. Reads are never gated.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from dos.kernel.text import one_line

WRITE_VERBS = frozenset({
    "create", "update", "delete", "remove", "set", "add", "post", "put", "patch", "send", "cancel", "transfer",
    "modify", "assign", "write", "refund", "book", "exchange", "return", "toggle", "submit", "approve", "reject",
    "insert", "upsert", "replace", "rename", "move", "archive", "enable", "disable", "pay", "charge", "reserve",
    "schedule", "grant", "revoke", "merge", "deploy", "publish", "upload", "edit", "change", "close", "reopen",
    "apply", "issue", "register", "unregister", "link", "unlink", "attach", "detach", "drop", "purge", "void",
})
QUANTITY_WORDS = frozenset({"qty", "quantity", "count", "amount", "price", "total", "num", "number", "limit",
                            "offset", "page", "size", "age", "year", "month", "day", "hour", "minute", "second",
                            "seconds", "duration", "timeout", "retries", "rate", "percent", "score", "rank",
                            "level", "index", "width", "height", "weight", "length", "balance", "cost", "max",
                            "min", "top", "n"})
BLOB_KINDS = ("TOOL_RESULT", "TASK_TEXT")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$|^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$|"
                   r"^\d{1,2}:\d{2}(?::\d{2})?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+(?:\.\d+)?[eE][+-]?\d+)$")
_VERSION = re.compile(r"^v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.]+)?$")
_PHONE = re.compile(r"^\+?\(?\d{1,4}\)?(?:[-. ]\(?\d{1,4}\)?){2,5}$")
_UUIDISH = re.compile(r"^(?:[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-9a-fA-F]{12,})$")
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True, slots=True)
class Blob:
    """One piece of environment-authored text: a prior tool result or the task text."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class ArgStance:
    arg_name: str
    value_repr: str
    stance: str  # SUPPORTED | UNSUPPORTED | ABSTAIN
    id_shaped: bool
    is_reference: bool
    matched_in: tuple[str, ...]
    components_checked: tuple[str, ...]
    components_unmatched: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"arg_name": self.arg_name, "value_repr": self.value_repr, "stance": self.stance,
                "id_shaped": self.id_shaped, "is_reference": self.is_reference, "matched_in": list(self.matched_in),
                "components_checked": list(self.components_checked),
                "components_unmatched": list(self.components_unmatched), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ProvenanceVerdict:
    tool: str
    mutating: bool
    args: tuple[ArgStance, ...]
    reason: str
    evidence: dict[str, Any]

    @property
    def unsupported(self) -> tuple[str, ...]:
        return tuple(a.arg_name for a in self.args if a.stance == "UNSUPPORTED")

    @property
    def believe(self) -> bool:
        return not self.unsupported

    @property
    def token(self) -> str:
        return "BELIEVE" if self.believe else "UNSUPPORTED"

    def to_dict(self) -> dict[str, Any]:
        return {"believe": self.believe, "args": [a.to_dict() for a in self.args],
                "unsupported": list(self.unsupported), "reason": self.reason}


def tool_words(tool: str) -> list[str]:
    """``UpdateOrder`` / ``update_order`` / ``orders.update`` -> the lower-case words of the name."""
    return [w.lower() for w in _WORDS.findall(tool)]


def is_mutating(tool: str) -> bool:
    return any(w in WRITE_VERBS for w in tool_words(tool))


def _quantity_named(name: str) -> bool:
    return any(w in QUANTITY_WORDS for w in tool_words(name))


def id_shaped(value: Any, arg_name: str = "") -> bool:
    """Could VALUE be a reference to an existing object (an id or key), rather than a quantity or prose?"""
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return False
    if isinstance(value, int):
        return not _quantity_named(arg_name) and len(str(abs(value))) >= 4
    if not isinstance(value, str):
        return False
    s = value.strip()
    if len(s) < 4 or any(c.isspace() for c in s) or not any(c.isdigit() for c in s):
        return False
    if s.isdigit() and _quantity_named(arg_name):
        return False
    return not (_DATE.match(s) or _NUMBER.match(s) or _VERSION.match(s) or _PHONE.match(s))


def _components(value: str) -> tuple[str, ...]:
    """The parts of an id that carry data: its digit runs, or the whole id for a hex/uuid-like key."""
    if _UUIDISH.match(value):
        return (value,)
    return tuple(dict.fromkeys(_DIGITS.findall(value)))


def _found(needle: str, haystack: str) -> bool:
    """NEEDLE occurs in HAYSTACK (both case-folded) with no letter or digit glued to either side."""
    start = 0
    while True:
        i = haystack.find(needle, start)
        if i < 0:
            return False
        before = haystack[i - 1] if i else ""
        after = haystack[i + len(needle)] if i + len(needle) < len(haystack) else ""
        if not (before.isalnum() or after.isalnum()):
            return True
        start = i + 1


def _leaf_ids(value: Any, name: str) -> list[str]:
    if isinstance(value, Mapping):
        return [x for k, v in value.items() for x in _leaf_ids(v, str(k))]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _leaf_ids(v, name)]
    return [str(value).strip()] if id_shaped(value, name) else []


def _repr(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _trace(ident: str, blobs: Sequence[Blob]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]:
    """(blob kinds that hold it, components checked, components unmatched, direct hit) for one id."""
    folded = [(b.kind, b.text.casefold()) for b in blobs]
    key = ident.casefold()
    direct = tuple(dict.fromkeys(kind for kind, text in folded if _found(key, text)))
    if direct:
        return direct, (ident,), (), True
    parts = _components(ident)
    kinds: list[str] = []
    missing = []
    for part in parts:
        where = [kind for kind, text in folded if _found(part.casefold(), text)]
        kinds += where
        if not where:
            missing.append(part)
    return tuple(dict.fromkeys(kinds)) if not missing else (), parts, tuple(missing), False


def judge_arg(name: str, value: Any, blobs: Sequence[Blob], new_keys: Iterable[str] = ()) -> ArgStance:
    """The stance of one argument of a mutating call."""
    shown = _repr(value)
    if name in set(new_keys):
        return ArgStance(name, shown, "ABSTAIN", False, False, (), (), (),
                         "the call's own new key: an identity it creates, not a reference to resolve")
    if isinstance(value, bool) or value is None:
        return ArgStance(name, shown, "ABSTAIN", False, True, (), (), (), "a flag or null is never an id")
    if not any(b.text.strip() for b in blobs):
        return ArgStance(name, shown, "ABSTAIN", False, True, (), (), (),
                         "nothing from the environment to check against yet (the first call); abstain")
    if isinstance(value, (Mapping, list, tuple)):
        ids = _leaf_ids(value, name)
        if not ids:
            return ArgStance(name, shown, "ABSTAIN", False, True, (), (), (), "no id-shaped value inside")
        traced = [_trace(i, blobs) for i in ids]
        unmatched = tuple(m for t in traced for m in t[2])
        checked = tuple(c for t in traced for c in t[1])
        kinds = tuple(dict.fromkeys(k for t in traced for k in t[0]))
        if unmatched:
            return ArgStance(name, shown, "UNSUPPORTED", True, True, (), checked, unmatched,
                             f"{len(unmatched)} part(s) of the ids inside ({one_line(', '.join(unmatched), 120)}) "
                             f"appear in no "
                             f"environment bytes: they look made up")
        return ArgStance(name, shown, "SUPPORTED", True, True, kinds, checked, (),
                         f"all {len(ids)} id(s) inside trace to environment bytes")
    if not id_shaped(value, name):
        return ArgStance(name, shown, "ABSTAIN", False, True, (), (), (),
                         "not shaped like an id (a quantity, date, version, number or prose)")
    ident = str(value).strip()
    kinds, checked, missing, direct = _trace(ident, blobs)
    if direct:
        return ArgStance(name, shown, "SUPPORTED", True, True, kinds, checked, (),
                         f"{ident!r} appears as written in environment bytes")
    if missing or not checked:
        return ArgStance(name, shown, "UNSUPPORTED", True, True, (), checked, missing or checked,
                         f"{ident!r} has part(s) {one_line(', '.join(missing or checked), 120)} found in no "
                         f"environment bytes: it looks made up; resolve it with a read first")
    return ArgStance(name, shown, "SUPPORTED", True, True, kinds, checked, (),
                     f"every data-bearing part of {ident!r} ({', '.join(checked)}) traces to environment bytes")


def judge_call(tool: str, args: Mapping[str, Any], blobs: Sequence[Blob], *, new_keys: Iterable[str] = (),
               read: bool = False) -> ProvenanceVerdict:
    """Believe TOOL(ARGS) unless a reference argument looks minted. Reads and non-mutating tools pass."""
    mutating = is_mutating(tool) and not read
    evidence = {"tool": tool, "blobs": [{"kind": b.kind, "chars": len(b.text)} for b in blobs],
                "new_keys": sorted(set(new_keys))}
    if not mutating:
        return ProvenanceVerdict(tool, False, (), "a read (or a tool whose name has no write verb): provenance "
                                                  "is not gated, reads are where ids come from", evidence)
    keys = list(new_keys)
    stances = tuple(judge_arg(str(k), v, blobs, keys) for k, v in args.items())
    if not any(b.text.strip() for b in blobs):
        reason = "no environment bytes yet (the first call of the episode): nothing to check against"
    else:
        bad = [a.arg_name for a in stances if a.stance == "UNSUPPORTED"]
        reason = (f"{len(bad)} argument(s) look made up: {one_line(', '.join(bad), 120)}; resolve them with a read "
                  f"tool first"
                  if bad else "no reference argument was made up (every id traced, or none to check)")
    return ProvenanceVerdict(tool, True, stances, reason, evidence)
