"""The ship-stamp grammar: which commit subjects say "PLAN PHASE shipped".

The grammar is data (``[stamp]`` in dos.toml); ``StampMatcher`` compiles it once per
(plan, phase) query and classifies one commit at a time, so history can be streamed.
Tokens are bounded exactly: ``AUTH1`` is not ``AUTH10``, ``AUTH1.2`` or ``AUTH1-x``,
but a trailing period ends a token (``... AUTH1.`` ships AUTH1).
"""

from __future__ import annotations

import re

from dos.kernel.table import fields, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PRE = r"(?<![A-Za-z0-9.\-])"
# Not followed by a token character; a period ends the token unless a token char follows it.
POST = r"(?![A-Za-z0-9\-]|\.[A-Za-z0-9\-])"

RUNGS = ("direct", "trailer", "release-prefix", "hyg-slug", "sub-phase-parent", "body-mention")
WEAK_RUNGS = frozenset({"release-prefix", "body-mention"})


@table
class Convention:
    """The stamp grammar as data; field names match the ``[stamp]`` keys."""

    subject_dirs: tuple[str, ...] = ()
    summary_bundle_prefixes: tuple[str, ...] = ()
    bookkeeping_prefixes: tuple[str, ...] = ()
    code_dirs: tuple[str, ...] = ()
    infra_basenames: tuple[str, ...] = ()
    infra_doc_basenames: tuple[str, ...] = ()
    progress_markers: tuple[str, ...] = ()
    sub_phase_parent_fallback: bool = False
    trailer_stamp: bool = False

    @classmethod
    def of(cls, table: Any) -> "Convention":
        """A Convention from any object carrying the ``[stamp]`` attributes (e.g. StampConfig)."""
        if table is None:
            return GENERIC
        return cls(**{f.name: getattr(table, f.name, f.default) for f in fields(cls)})


GENERIC = Convention()


def _alt(items: list[str]) -> str:
    return "|".join(re.escape(i) for i in sorted(set(items)))


def phase_variants(series: str, phase: str) -> list[str]:
    """Every spelling of PHASE the grammar accepts (sorted, unescaped)."""
    out = {phase}
    if "'" in phase:
        out.add(phase.replace("'", "prime"))
    if "prime" in phase.lower():
        out.add(re.sub("prime", "'", phase, flags=re.I))
    if series:
        m = re.match(r"^phase\s*(\d+(?:\.\d+)?)$", phase, re.I)
        if m:
            out |= {f"{series}{m.group(1)}", f"{series} {m.group(1)}"}
        m = re.match(r"^([A-Za-z]+)(\d+(?:\.\d+)?)$", phase)
        if m and m.group(1).lower() == series.lower():
            out |= {f"Phase {m.group(2)}", f"Phase{m.group(2)}"}
    return sorted(out)


def _unanchored_alt(series: str, variants: list[str]) -> str:
    """The alternation for release/body scans: a bare ``Phase N`` needs its series beside it."""
    parts = []
    for v in variants:
        m = re.match(r"^phase\s*(\d+(?:\.\d+)?)$", v, re.I)
        if m and series and series.lower() not in v.lower():
            parts.append(rf"{re.escape(series)}\s*:?\s+Phase\s*{re.escape(m.group(1))}")
        else:
            parts.append(re.escape(v))
    return "|".join(sorted(set(parts)))


def _slug(text: str) -> str:
    return re.sub(r"[\s\-_]+", "_", text.lower())


@table
class Match:
    """One commit's stamp for the queried phase: the pass that found it and a summary note."""

    rung: str
    note: str = ""


@table
class ByteFilter:
    """Literal words (lowercase) plus a summary-subject pattern, searched in lowercased bytes."""

    words: tuple[bytes, ...]
    summary: "re.Pattern[bytes]"
    has_bundles: bool = False

    def hits(self, low: bytes) -> list[int]:
        """Offsets in LOW (already lowercased) where something worth parsing starts."""
        out: list[int] = []
        for w in self.words:
            i = low.find(w)
            while i >= 0:
                out.append(i)
                i = low.find(w, i + len(w))
        if self.has_bundles or b"\x00v" in low:
            out += [m.start() for m in self.summary.finditer(low)]
        return sorted(out)


class StampMatcher:
    """Classifies commits for one (series, phase) query under one convention."""

    def __init__(self, series: str, phase: str, conv: Convention = GENERIC) -> None:
        self.series, self.phase, self.conv = series, phase, conv
        self._built = False

    def _build(self) -> None:
        """Compile the passes on first use: a history with no candidate never needs them."""
        series, phase, conv = self.series, self.phase, self.conv
        self._built = True
        variants = phase_variants(series, phase)
        p_alt = _alt(variants)
        s_alt = re.escape(series)
        if conv.subject_dirs:
            prefix = "(?:" + "|".join(re.escape(d.strip("/")) for d in conv.subject_dirs) + ")/"
        else:
            prefix = r"(?:\w[\w.\-]*/)?"
        self._prefix = prefix
        direct = rf"^{prefix}{s_alt}:?\s+(?:{p_alt}){POST}"
        if not conv.subject_dirs:
            direct += rf"|^{prefix}(?:{s_alt})?(?:{p_alt}):{POST}"
        self._direct = re.compile(direct, re.I)
        summary = r"v\d+\.\d+\.\d+:"
        if conv.summary_bundle_prefixes:
            summary += "|" + "|".join(re.escape(p) for p in conv.summary_bundle_prefixes)
        self._summary = re.compile(rf"^(?:{summary})", re.I)
        bk = [re.escape(p) for p in conv.bookkeeping_prefixes]
        bk += [r"[^:]*\bsnapshot:", r"(?:[^:]*:\s*)?(?:archive|rollup)\s+\d{8}(?:t\d+z?)?\b"]
        self._bookkeeping = re.compile(rf"^(?:{'|'.join(bk)})", re.I)
        self._loose = re.compile(rf"{PRE}(?:{_unanchored_alt(series, variants)}){POST}", re.I)
        self._release = re.compile(rf"^(?:{summary}).*?{PRE}(?:{_unanchored_alt(series, variants)}){POST}", re.I)
        self._progress = frozenset(m.lower() for m in conv.progress_markers)
        self._trailer = None
        if conv.trailer_stamp:
            salts = [series]
            m = re.match(r"^([^_\s]*\d[a-z0-9]*)_", series, re.I)
            if m:
                salts.append(m.group(1))
            self._trailer = re.compile(
                rf"\(\s*(?:refs\s+)?(?:{prefix})?(?:{_alt(salts)}):?\s+(?:{p_alt})\s*\)\s*$", re.I)
        slugs = {re.sub(r"^.*/", "", p.rstrip(":")).upper() for p in conv.summary_bundle_prefixes}
        self._hyg = (re.compile(rf"^{prefix}{s_alt}:?\s+(.+)$", re.I)
                     if series.upper() in slugs else None)
        self._parent = None
        if conv.sub_phase_parent_fallback and "-" in phase:
            parent, suffix = phase.split("-", 1)
            self._parent = re.compile(rf"^{prefix}{s_alt}:?\s+(?:{_alt(phase_variants('', parent))}){POST}", re.I)
            self._suffix_slug = _slug(suffix)
        # Cheap pre-filter: a subject that names no variant can only stamp through a body.
        self._quick = re.compile("|".join(re.escape(v) for v in variants)
                                 + (f"|{re.escape(series)}" if series else ""), re.I)

    def prefilter(self) -> "ByteFilter | None":
        """A filter that finds every raw log record that could matter to this query.

        Records are ``sha NUL subject NUL body``; records the filter does not hit can be
        skipped unparsed. None when the query is not ASCII (no safe byte filter).
        """
        words = [self.series, self.phase, *phase_variants(self.series, self.phase)]
        if not all(w.isascii() for w in words):
            return None
        summary = [r"v\d+\.\d+\.\d+:", *(re.escape(p.lower()) for p in self.conv.summary_bundle_prefixes)]
        literals = {w.lower().encode() for w in words if w} | {b"this reverts commit"}
        return ByteFilter(tuple(sorted(literals)), re.compile(("\\x00(?:" + "|".join(summary) + ")").encode()),
                          bool(self.conv.summary_bundle_prefixes))

    # ----------------------------------------------------------------- predicates
    def is_bookkeeping(self, subject: str) -> bool:
        if not self._built:
            self._build()
        return bool(self._bookkeeping.match(subject))

    def is_summary(self, subject: str) -> bool:
        if not self._built:
            self._build()
        return bool(self._summary.match(subject))

    def _progress_only(self, subject: str, end: int) -> bool:
        if not self._progress or end >= len(subject) or not subject[end].isspace():
            return False
        rest = subject[end:].split()
        return bool(rest) and rest[0].lower() in self._progress

    # ----------------------------------------------------------------- the passes
    def match(self, subject: str, body: str = "") -> Match | None:
        """The strongest pass that says this commit stamps the phase, or None."""
        if not self._built:
            self._build()
        summary = self.is_summary(subject)
        if not summary and not self._quick.search(subject):
            return None
        if self.is_bookkeeping(subject):
            return None
        m = self._direct.match(subject)
        if m and not self._progress_only(subject, m.end()):
            return Match("direct")
        if self._trailer is not None and not summary and self._trailer.search(subject):
            return Match("trailer")
        if summary:
            m = self._release.match(subject)
            if m and not self._progress_only(subject, m.end()):
                return Match("release-prefix", " (release-prefix mention)")
        if self._hyg is not None:
            m = self._hyg.match(subject)
            if m and _slug(self.phase) in _slug(m.group(1)):
                return Match("hyg-slug", " (HYG slug fallback)")
        if self._parent is not None:
            m = self._parent.match(subject)
            if m and not self._progress_only(subject, m.end()) and self._suffix_slug in _slug(subject):
                suffix = self.phase.split("-", 1)[1]
                return Match("sub-phase-parent", f" (sub-phase parent fallback: '{suffix}' in subject)")
        if summary and body:
            for line in body.splitlines():
                if self._loose.search(line):
                    return Match("body-mention", " (body mention)")
        return None


_REVERT = re.compile(r"^This reverts commit ([0-9a-f]{7,40})\b", re.M)


def revert_targets(body: str) -> list[str]:
    """The shas a commit body says it reverts (git's ``This reverts commit <sha>.`` line)."""
    if "This reverts commit" not in body:
        return []
    return _REVERT.findall(body)


LEDGER_BASENAMES = frozenset({"dos.state.yaml", "dos.findings.md", "findings-followup-queue.md",
                              "execution-state.yaml", "plans.yaml"})
BUMP_BASENAMES = frozenset({"version", "version.txt", "pyproject.toml", "changelog.md"})


def is_bump_or_ledger_only(files: tuple[str, ...] | None) -> bool:
    """True when every file a commit touched is a version bump or a ledger (never when empty)."""
    if not files:
        return False
    for path in files:
        low = path.lower().replace("\\", "/")
        base = low.rsplit("/", 1)[-1]
        if base in LEDGER_BASENAMES or base in BUMP_BASENAMES or low.startswith("docs/releases/") \
                or "/docs/releases/" in low:
            continue
        return False
    return True


def grade(rung: str) -> str:
    """The forgeability grade of a grep rung: files touched vs text the author wrote."""
    if rung == "file-path":
        return "grep-artifact"
    return "grep-subject" if rung else "grep"
