"""Plan docs read as data: rows (plan, phase, claimed status), a phase's section, the files it names.

DOS holds no plan schema. The markdown dialect is the reference's: numbered headings
``## 3. AUTH AUTH1 — title`` and bold bullets ``- **AUTH2** — ...`` under them. All
functions take text and return values; the shell reads the files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from dos.kernel.stamp import phase_variants

_HEADING = re.compile(r"^#{2,4}\s+\d+\.\s+([A-Za-z][^\s]*)\s+([^\s]+?)\s*[—–\-:]")
_NUMBERED = re.compile(r"^#{2,4}\s+\d+\.\s+")
_BULLET = re.compile(r"^\s*-\s+\*\*([^\s*]+?)\s*(?:[—\-–:]|\*\*)")
_ANY_HEADING = re.compile(r"^#{1,6}\s")
_BLOCKED = re.compile(r"SOAK|SOAKING|BLOCKED|AWAITING|GATED|DEFERRED", re.I)


def _is_phase(token: str) -> bool:
    return any(c.isalpha() for c in token) and any(c.isdigit() for c in token)


@dataclass(frozen=True)
class PlanRow:
    """One phase a plan doc declares, with the status the doc claims for it."""

    plan: str
    phase: str
    doc_path: str = ""
    claimed_status: str = ""  # shipped | blocked | open | ""
    lane: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"plan": self.plan, "phase": self.phase, "doc_path": self.doc_path,
                "claimed_status": self.claimed_status, "lane": self.lane}


def claimed_status(section: str) -> str:
    if re.search(r"\bSHIPPED\b", section):
        return "shipped"
    return "blocked" if _BLOCKED.search(section) else "open"


def blank_fences(text: str) -> str:
    """TEXT with fenced code blocks blanked (line count kept), so examples declare nothing."""
    out, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            inside = not inside
            out.append("")
            continue
        out.append("" if inside else line)
    return "\n".join(out)


def markdown_rows(text: str, doc_path: str = "") -> list[PlanRow]:
    """Every (plan, phase) the doc declares, in document order, deduplicated."""
    lines = blank_fences(text).splitlines()
    starts: list[tuple[int, str, str]] = []
    plan = ""
    for i, line in enumerate(lines):
        m = _HEADING.match(line)
        if m:
            if _is_phase(m.group(2)):
                plan = m.group(1)
                starts.append((i, plan, m.group(2)))
            else:
                plan = ""
            continue
        if _NUMBERED.match(line):
            plan = ""
            continue
        b = _BULLET.match(line)
        if b and plan and _is_phase(b.group(1)):
            starts.append((i, plan, b.group(1)))
    rows: dict[tuple[str, str], PlanRow] = {}
    for n, (i, plan, phase) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = [lines[i]] + [ln for ln in lines[i + 1:end]]
        for j, ln in enumerate(body[1:], 1):
            if _ANY_HEADING.match(ln):
                body = body[:j]
                break
        key = (plan, phase)
        if key not in rows:
            rows[key] = PlanRow(plan, phase, doc_path, claimed_status("\n".join(body)))
    return list(rows.values())


# --------------------------------------------------------------------------- doc ids and sections

_ID = re.compile(r"^id:\s*([^\s#]+)", re.M)
_TOMBED = re.compile(r"tombed|tombstone|retired|superseded|archived", re.I)


def doc_id(text: str) -> str:
    m = _ID.search(text)
    return m.group(1).strip("'\"") if m else ""


def id_map(docs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """``{series id: doc path}`` from (path, text) pairs; a live doc beats a tombed one."""
    out: dict[str, tuple[str, bool]] = {}
    for path, text in sorted(docs):
        ident = doc_id(text)
        if not ident:
            continue
        m = re.search(r"^classification:\s*(\S+)", text, re.M)
        tombed = bool(_TOMBED.search(path)) or bool(m and _TOMBED.search(m.group(1)))
        if ident not in out or (out[ident][1] and not tombed):
            out[ident] = (path, tombed)
    return {k: v[0] for k, v in out.items()}


def phase_section(text: str, series: str, phase: str) -> str | None:
    """The part of a plan doc about PHASE: a ``###`` heading or a bold bullet, else None."""
    lines = blank_fences(text).splitlines()
    alt = "|".join(re.escape(v) for v in phase_variants(series, phase))
    bound = r"(?![A-Za-z0-9\-]|\.[A-Za-z0-9\-])"
    head = re.compile(rf"^(#{{2,4}})\s+(?:\d+\.\s+)?(?:{re.escape(series)}:?\s+)?(?:Phase\s+)?(?:{alt}){bound}",
                      re.I)
    bullet = re.compile(rf"^\s*-\s+\*\*(?:Phase\s+)?(?:{alt}){bound}", re.I)
    for i, line in enumerate(lines):
        m = head.match(line)
        if m:
            level = len(m.group(1))
            stop = re.compile(rf"^#{{1,{max(level, 2)}}}\s")
            end = next((j for j in range(i + 1, len(lines)) if stop.match(lines[j])), len(lines))
            return "\n".join(lines[i:end])
    for i, line in enumerate(lines):
        if bullet.match(line):
            end = next((j for j in range(i + 1, len(lines))
                        if lines[j].startswith("##") or re.match(r"^\s*-\s+\*\*", lines[j])), len(lines))
            return "\n".join(lines[i:end])
    return None


_OPEN_SOAK = re.compile(
    r"status:\s*in_progress|\bgate[sd]?\b[^.;\n]*\bsoak|\bsoak\b[^.;\n]*\bgate[sd]?\b"
    r"|until the soak(?: window)? closes|soak window[^.;\n]*closes|(?:→|->)\s*tomb"
    r"|zero-emit (?:window|floor|read)", re.I)


def section_says_shipped(section: str) -> bool:
    """A plan section stamps its phase shipped: the literal SHIPPED and no open-soak phrase."""
    return "SHIPPED" in section and not _OPEN_SOAK.search(section)


NON_SOURCE = (".tar", ".tar.gz", ".tgz", ".zip", ".gz", ".bz2", ".xz", ".whl", ".egg", ".git", ".png", ".jpg",
              ".jpeg", ".gif", ".pdf", ".bin", ".so", ".dll", ".dylib", ".exe", ".o", ".a", ".jar", ".class")


def named_files(section: str, code_dirs: tuple[str, ...] = ()) -> list[str]:
    """Repo paths a phase section names (``src/auth/login.py``), deduplicated in order."""
    if code_dirs:
        dirs = "|".join(re.escape(d.strip("/")) for d in code_dirs)
        rx = re.compile(rf"(?:\.\.?/)*((?:{dirs})/[\w./-]+\.[A-Za-z0-9]+)")
    else:
        rx = re.compile(r"(?<![\w./-])(?:\.\.?/)*(\w[\w\-]*/[\w./-]+\.[A-Za-z0-9]+)")
    out: dict[str, None] = {}
    for m in rx.finditer(section):
        path = m.group(1)
        if not path.lower().endswith(NON_SOURCE):
            out[path] = None
    return list(out)


UNIVERSAL_INFRA = frozenset({"config.py", "__init__.py", "models.py", "cli.py", "utils.py", "constants.py",
                             "settings.py", "conftest.py"})


def is_shared_infra(path: str, extra: Iterable[str] = ()) -> bool:
    low = path.lower()
    base = low.rsplit("/", 1)[-1]
    if base in UNIVERSAL_INFRA or base in {e.lower() for e in extra}:
        return True
    return low.startswith("docs/") and low.endswith((".mmd", ".png"))


@dataclass(frozen=True)
class ArtifactHit:
    sha: str
    subject: str
    summary: str


def artifact_decision(series: str, phase: str, files: list[str],
                      touches: Mapping[str, list[tuple[str, str]]], infra: Iterable[str] = ()) -> ArtifactHit | None:
    """Decide the file-path rung from which commits (sha, subject; newest first) touched each named file."""
    extra = tuple(infra)
    live = [f for f in files if touches.get(f)]
    if len(live) >= 2:
        count: dict[str, list[str]] = {}
        subjects: dict[str, str] = {}
        order: list[str] = []
        for f in live:
            for sha, subject in touches[f]:
                if sha not in count:
                    order.append(sha)
                count.setdefault(sha, []).append(f)
                subjects[sha] = subject
        best = None
        for sha in order:  # newest first; ties keep the newest
            hit = count[sha]
            if len(hit) < 2 or all(is_shared_infra(f, extra) for f in hit):
                continue
            if _names_other_series(subjects[sha], series):
                continue
            if best is None or len(hit) > len(count[best]):
                best = sha
        if best is not None:
            return ArtifactHit(best, subjects[best], f"{best} {subjects[best]} (file-path match: touched "
                               f"{len(count[best])}/{len(files)} load-bearing files of {phase})")
        return None
    if len(live) == 1 and not is_shared_infra(live[0], extra):
        token = re.compile(rf"(?<![A-Za-z0-9.\-]){re.escape(series)}(?![A-Za-z])", re.I)
        for sha, subject in touches[live[0]]:
            if token.search(subject):
                return ArtifactHit(sha, subject, f"{sha} {subject} (file-path match: sole load-bearing file "
                                   f"of {phase}, series-attributed subject)")
    return None


def _names_other_series(subject: str, series: str) -> bool:
    m = re.match(r"^(?:docs|go)/([^:\s]+):", subject)
    if m and m.group(1).lower() != series.lower():
        return True
    if re.match(r"^v\d+\.\d+\.\d+:", subject):
        tok = re.search(r"\b([A-Za-z]{2,})\d", subject)
        if tok and tok.group(1).lower() != series.lower() and series.lower() not in subject.lower():
            return True
    return False
