"""Is a remembered fact still true? Each fact names the files and commits that back it.

A file claim CONFIRMS while the file's SHA-256 is the one remembered, and CONTRADICTS once
the file changed or is gone. A commit claim CONFIRMS while the commit is reachable from
HEAD, and CONTRADICTS once it is not (rewritten, reset away, or never existed). A claim
that cannot be checked (no git, an unreadable file, a path outside the workspace)
ABSTAINS. The verdict: RECALL_STALE if any claim contradicts (the first one is the
culprit), RECALL_FRESH only when every claim confirms, else RECALL_UNVERIFIABLE (no
claims, or one abstained). Pure: the service gathers what the files and git say now.

The file format (one fact per ``NAME.md``) is parsed and written here; docs/memory.md has it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

FRESH, STALE, UNVERIFIABLE = "RECALL_FRESH", "RECALL_STALE", "RECALL_UNVERIFIABLE"
CONFIRMS, CONTRADICTS, ABSTAIN = "CONFIRMS", "CONTRADICTS", "ABSTAIN"
KINDS = ("file", "commit")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
SHA1_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")  # sha-1 or sha-256 object names
SCHEMA = 1


def valid_name(name: str) -> bool:
    """Is NAME a memory name: a letter or digit, then letters, digits, ``.``, ``_`` or ``-`` (128 at most)?"""
    return bool(NAME_RE.match(name)) and not name.endswith(".md")


# --------------------------------------------------------------------------- claims and the verdict


@dataclass(frozen=True, slots=True)
class Claim:
    """One piece of evidence as checked now: KIND file or commit, its TARGET, and what it says."""

    kind: str
    target: str
    expected: str  # the remembered SHA-256 (file) or commit id (commit)
    status: str  # CONFIRMS, CONTRADICTS or ABSTAIN
    observed: str = ""  # what was found now: a digest, "missing", "unreachable", ...
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "expected": self.expected, "status": self.status,
                "observed": self.observed, "why": self.why}


def file_claim(path: str, expected: str, observed: str | None, *, problem: str = "") -> Claim:
    """The claim that PATH still has digest EXPECTED; OBSERVED is its digest now (None: it is gone).

    PROBLEM: why the file could not be read at all (it then abstains rather than contradicts)."""
    if problem:
        return Claim("file", path, expected, ABSTAIN, "unreadable", problem)
    if observed is None:
        return Claim("file", path, expected, CONTRADICTS, "missing", f"{path} no longer exists")
    if observed != expected:
        return Claim("file", path, expected, CONTRADICTS, observed,
                     f"{path} changed since it was remembered (sha256 {expected[:12]} -> {observed[:12]})")
    return Claim("file", path, expected, CONFIRMS, observed, f"{path} is unchanged")


def commit_claim(sha: str, *, exists: bool | None, reachable: bool | None) -> Claim:
    """The claim that commit SHA is still in HEAD's history. None for either: git could not say."""
    short = sha[:12]
    if exists is None or (exists and reachable is None):
        return Claim("commit", sha, sha, ABSTAIN, "unknown", f"git cannot check commit {short} here")
    if not exists:
        return Claim("commit", sha, sha, CONTRADICTS, "missing", f"commit {short} no longer exists")
    if not reachable:
        return Claim("commit", sha, sha, CONTRADICTS, "unreachable",
                     f"commit {short} is no longer reachable from HEAD (rewritten or reset away)")
    return Claim("commit", sha, sha, CONFIRMS, "reachable", f"commit {short} is in HEAD's history")


@dataclass(frozen=True, slots=True)
class Recall:
    """The verdict on one remembered fact: ``token`` RECALL_FRESH, RECALL_STALE or RECALL_UNVERIFIABLE."""

    memory: str
    token: str
    reason: str
    type: str = ""
    claims: tuple[Claim, ...] = ()
    remembered: str = ""
    path: str = ""

    @property
    def evidence(self) -> tuple[Claim, ...]:
        return self.claims

    @property
    def culprit(self) -> Claim | None:
        """The first claim that contradicts, else the first that abstained, else None."""
        for want in (CONTRADICTS, ABSTAIN):
            for c in self.claims:
                if c.status == want:
                    return c
        return None

    def to_dict(self) -> dict[str, Any]:
        culprit = self.culprit
        return {"memory": self.memory, "verdict": self.token, "reason": self.reason, "type": self.type,
                "culprit": culprit.to_dict() if culprit is not None else None,
                "claims": [c.to_dict() for c in self.claims], "remembered": self.remembered, "path": self.path}


def judge(memory: str, claims: Sequence[Claim], *, type: str = "", remembered: str = "",  # noqa: A002
          path: str = "") -> Recall:
    """The verdict on MEMORY from its CLAIMS as checked now (worst wins; FRESH only if all confirm)."""
    claims = tuple(claims)
    bad = [c for c in claims if c.status == CONTRADICTS]
    unsure = [c for c in claims if c.status != CONFIRMS and c.status != CONTRADICTS]
    if bad:
        more = f" (and {len(bad) - 1} more claim(s))" if len(bad) > 1 else ""
        return Recall(memory, STALE, bad[0].why + more, type, claims, remembered, path)
    if not claims:
        return Recall(memory, UNVERIFIABLE, "the memory names no file or commit to check it against",
                      type, claims, remembered, path)
    if unsure:
        return Recall(memory, UNVERIFIABLE, unsure[0].why or "a claim could not be checked", type, claims,
                      remembered, path)
    return Recall(memory, FRESH, f"all {len(claims)} claim(s) still hold", type, claims, remembered, path)


def interpret(v: Recall) -> str:
    """The one-line next move for an agent about to rely on V's memory."""
    if v.token == FRESH:
        return f"FRESH: '{v.memory}' still matches its evidence; you may rely on it."
    if v.token == STALE:
        return (f"STALE: do not rely on '{v.memory}': {v.reason}. Re-check the fact, then "
                f"`dos memory remember {v.memory} --replace ...` with the new evidence, or delete it.")
    return (f"UNVERIFIABLE: '{v.memory}' cannot be checked ({v.reason}); treat it as a claim, "
            f"not a fact.")


def route(v: Recall) -> str:
    """Where ``memory verify --route`` sends a memory: keep, refresh, retire or review."""
    if v.token == FRESH:
        return "keep"
    if v.token == STALE:
        gone = any(c.status == CONTRADICTS and c.observed in ("missing", "unreachable") for c in v.claims)
        return "retire" if gone else "refresh"
    return "review"


@dataclass(frozen=True, slots=True)
class Sweep:
    """``memory verify``: every memory's verdict; the token is the worst of them (EMPTY with none)."""

    token: str
    reason: str
    memories: tuple[Recall, ...] = ()
    store: str = ""

    @property
    def evidence(self) -> tuple[Recall, ...]:
        return self.memories

    def to_dict(self, *, routes: bool = False) -> dict[str, Any]:
        rows = []
        for m in self.memories:
            row = m.to_dict()
            if routes:
                row["route"] = route(m)
            rows.append(row)
        counts = {t: sum(1 for m in self.memories if m.token == t) for t in (FRESH, STALE, UNVERIFIABLE)}
        return {"verdict": self.token, "reason": self.reason, "store": self.store, "memories": rows,
                "fresh": counts[FRESH], "stale": counts[STALE], "unverifiable": counts[UNVERIFIABLE]}


def sweep(memories: Sequence[Recall], *, store: str = "") -> Sweep:
    """The verdict over a whole store: RECALL_STALE if any memory is stale, else UNVERIFIABLE, else FRESH."""
    memories = tuple(memories)
    if not memories:
        return Sweep("EMPTY", "the store holds no memories", memories, store)
    stale = [m.memory for m in memories if m.token == STALE]
    if stale:
        return Sweep(STALE, f"{len(stale)} of {len(memories)} memory(ies) stale: {', '.join(stale[:5])}"
                     + (" ..." if len(stale) > 5 else ""), memories, store)
    unsure = [m.memory for m in memories if m.token == UNVERIFIABLE]
    if unsure:
        return Sweep(UNVERIFIABLE, f"{len(unsure)} of {len(memories)} memory(ies) cannot be checked; "
                     f"none is stale", memories, store)
    return Sweep(FRESH, f"all {len(memories)} memory(ies) still match their evidence", memories, store)


# --------------------------------------------------------------------------- the file format


@dataclass(frozen=True, slots=True)
class Evidence:
    """One remembered piece of evidence: a file and its SHA-256, or a commit id."""

    kind: str
    target: str
    digest: str = ""  # sha256 of the file's bytes; for a commit, the commit id itself


@dataclass(frozen=True, slots=True)
class MemoryDoc:
    """One memory file: its frontmatter fields, its evidence and its body text."""

    name: str
    type: str = "project"
    description: str = ""
    remembered: str = ""
    evidence: tuple[Evidence, ...] = ()
    body: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # frontmatter keys DOS does not use, kept as read


class MemoryFormatError(ValueError):
    """A memory file that does not follow the format (the message names the line)."""


def _value(text: str) -> str:
    text = text.strip()
    if text.startswith('"'):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise MemoryFormatError(f"bad quoted value {text[:40]!r}") from None
        if not isinstance(value, str):
            raise MemoryFormatError(f"bad quoted value {text[:40]!r}")
        return value
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def parse(text: str, *, fallback_name: str = "") -> MemoryDoc:
    """A memory file's text as a MemoryDoc. A file with no frontmatter is all body (and has no evidence)."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return MemoryDoc(fallback_name, body=text)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise MemoryFormatError("the frontmatter opened by '---' on line 1 is never closed") from None
    fields: dict[str, str] = {}
    evidence: list[Evidence] = []
    in_evidence = False
    current: dict[str, str] | None = None

    def close() -> None:
        if current is None:
            return
        kind = next((k for k in KINDS if k in current), "")
        if not kind:
            raise MemoryFormatError(f"an evidence item names neither file nor commit: {sorted(current)}")
        target = current[kind]
        if kind == "file":
            digest = current.get("sha256", "").lower()
            if not SHA256_RE.match(digest):
                raise MemoryFormatError(f"evidence file {target!r} needs a sha256: of 64 hex digits")
        else:
            digest = target.lower()
            if not SHA1_RE.match(digest):
                raise MemoryFormatError(f"evidence commit {target!r} is not a full commit id")
            target = digest
        evidence.append(Evidence(kind, target, digest))

    for n, raw in enumerate(lines[1:end], start=2):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indented = raw[:1] in (" ", "\t")
        stripped = raw.strip()
        if in_evidence and (indented or stripped.startswith("- ")):
            item = stripped[2:] if stripped.startswith("- ") else stripped
            if stripped.startswith("- "):
                close()
                current = {}
            if current is None or ":" not in item:
                raise MemoryFormatError(f"line {n}: an evidence item is '- file: PATH' or '- commit: SHA'")
            key, _, value = item.partition(":")
            current[key.strip()] = _value(value)
            continue
        if indented:
            continue  # a nested value of a key DOS does not read (a host's metadata block)
        close()
        current = None
        in_evidence = False
        if ":" not in stripped:
            raise MemoryFormatError(f"line {n}: expected 'key: value', got {stripped[:40]!r}")
        key, _, value = stripped.partition(":")
        key = key.strip()
        if key == "evidence":
            in_evidence = True
            if value.strip() not in ("", "[]"):
                raise MemoryFormatError(f"line {n}: evidence is a list of items on the lines below it")
            continue
        fields[key] = _value(value)
    close()
    body = "\n".join(lines[end + 1:])
    if text.endswith("\n") and body:
        body += "\n"
    known = ("name", "type", "description", "remembered")
    return MemoryDoc(fields.get("name") or fallback_name, fields.get("type", "") or "", fields.get("description", ""),
                     fields.get("remembered", ""), tuple(evidence), body.lstrip("\n"),
                     {k: v for k, v in fields.items() if k not in known})


def render(doc: MemoryDoc) -> str:
    """DOC as a memory file (what ``parse`` reads back to the same MemoryDoc)."""
    out = ["---", f"name: {doc.name}", f"type: {doc.type or 'project'}"]
    if doc.description:
        out.append(f"description: {_quote(doc.description)}")
    out.append(f"remembered: {doc.remembered}")
    out.append(f"schema: {SCHEMA}")
    out.append("evidence:")
    for e in doc.evidence:
        if e.kind == "file":
            out += [f"  - file: {_quote(e.target)}", f"    sha256: {e.digest}"]
        else:
            out.append(f"  - commit: {e.target}")
    out.append("---")
    body = doc.body if doc.body.endswith("\n") or not doc.body else doc.body + "\n"
    return "\n".join(out) + "\n" + body
