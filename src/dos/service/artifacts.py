"""The artifact rung: a phase whose plan doc names its files ships when a commit touched them.

Evidence is the files commits touched (not text an author wrote), so the verdict is
``grep-artifact``. Plan docs come from ``[paths] plans_glob``.
"""

from __future__ import annotations

from pathlib import Path

from dos import git
from dos.config import Config
from dos.kernel.verify import ShipVerdict

MAX_DOC_BYTES = 2_000_000


def plan_docs(root: Path, cfg: Config) -> list[tuple[str, str]]:
    """(relative path, text) of every plan doc under ``[paths] plans_glob``, sorted."""
    out = []
    for path in sorted(root.glob(cfg.paths.plans_glob)):
        try:
            if path.is_file() and path.stat().st_size <= MAX_DOC_BYTES:
                out.append((path.relative_to(root).as_posix(), path.read_text(encoding="utf-8-sig")))
        except (OSError, UnicodeDecodeError):
            continue
    return out


def find_plan_doc(docs: list[tuple[str, str]], plan: str, phase: str) -> tuple[str, str] | None:
    """The doc for PLAN: by its ``id:`` line, else the first doc declaring PLAN PHASE."""
    from dos.kernel.plans import id_map, markdown_rows

    ids = id_map(docs)
    path = ids.get(plan) or ids.get(plan.upper())
    if path is not None:
        return next(d for d in docs if d[0] == path)
    for doc_path, text in docs:
        if any(r.plan.lower() == plan.lower() and r.phase.lower() == phase.lower()
               for r in markdown_rows(text, doc_path)):
            return doc_path, text
    return None


def artifact_rung(root: Path, cfg: Config, plan: str, phase: str, target: str, *,
                  timeout: float | None = None) -> ShipVerdict | None:
    """A grep-artifact ship, or None when no plan doc names files for the phase or none was touched."""
    docs = plan_docs(root, cfg)
    if not docs:
        return None
    from dos.kernel.plans import artifact_decision, named_files, phase_section
    from dos.kernel.stamp import Convention, StampMatcher

    doc = find_plan_doc(docs, plan, phase)
    if doc is None:
        return None
    section = phase_section(doc[1], plan, phase)
    files = named_files(section, cfg.stamp.code_dirs) if section else []
    if not files:
        return None
    matcher = StampMatcher(plan, phase, Convention.of(cfg.stamp))
    touches: dict[str, list[tuple[str, str]]] = {f: [] for f in files}
    args = ["log", "--no-merges", "--no-renames", "--name-only", "--format=%x1e%h%x00%s",
            "--end-of-options", target, "--", *files]
    for sha, subject, rest in git.iter_headed(root, args, timeout=timeout):
        if matcher.is_bookkeeping(subject):
            continue
        for f in rest.splitlines():
            if f in touches:
                touches[f].append((sha, subject))
    infra = (*cfg.stamp.infra_basenames, *cfg.stamp.infra_doc_basenames)
    hit = artifact_decision(plan, phase, files, touches, infra)
    if hit is None:
        return None
    return ShipVerdict(plan, phase, True, "grep-artifact", hit.sha, hit.summary, "file-path")


def plan_body_check(root: Path, cfg: Config, v: ShipVerdict) -> ShipVerdict:
    """A ship found by a non-direct text pass must be stamped SHIPPED in the phase's plan section.

    No plan doc or no section for the phase leaves the verdict unchanged.
    """
    if not v.shipped or v.rung in ("", "direct", "file-path"):
        return v
    docs = plan_docs(root, cfg)
    doc = find_plan_doc(docs, v.plan, v.phase) if docs else None
    if doc is None:
        return v
    from dos.kernel.plans import phase_section, section_says_shipped

    section = phase_section(doc[1], v.plan, v.phase)
    if section is None or section_says_shipped(section):
        return v
    return ShipVerdict(v.plan, v.phase, False, "none", v.sha,
                       f"git matched {v.sha} via {v.rung} but {doc[0]} has no SHIPPED stamp on {v.phase} "
                       f"- demoted ({v.summary})", "demoted-by-plan-body")
