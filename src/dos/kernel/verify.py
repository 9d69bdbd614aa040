"""The ship verdict, and the fold that decides it from history streamed newest-first.

``GrepScan`` sees one commit at a time. A direct stamp that survives the revert and
release-bump checks is decisive, so the caller can stop reading git; weaker stamps are
kept and only win if history runs out without a direct one.
"""

from __future__ import annotations

from dos.kernel.table import field, table
from dos.kernel.stamp import RUNGS, StampMatcher, grade, is_bump_or_ledger_only, revert_targets

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@table
class ShipVerdict:
    """Did PLAN PHASE ship? ``source`` says which evidence decided; ``rung`` which grep pass."""

    plan: str
    phase: str
    shipped: bool
    source: str = "none"
    sha: str = ""
    summary: str = ""
    rung: str = ""
    reverted_by: str = ""

    @property
    def token(self) -> str:
        return "SHIPPED" if self.shipped else "NOT_SHIPPED"

    @property
    def reason(self) -> str:
        return self.summary or self.line()

    @property
    def evidence(self) -> dict[str, Any]:
        return {"source": self.source, "sha": self.sha, "rung": self.rung, "reverted_by": self.reverted_by}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"plan": self.plan, "phase": self.phase, "shipped": self.shipped,
                               "source": self.source}
        for key in ("sha", "summary", "rung", "reverted_by"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    def line(self) -> str:
        """``SHIPPED AUTH AUTH1 <sha> (via grep-subject)``; a not-shipped line names a sha only for a revert."""
        parts = [self.token, self.plan, self.phase]
        if self.sha and (self.shipped or self.reverted_by):
            parts.append(self.sha)
        if self.reverted_by:
            parts.append(f"reverted by {self.reverted_by}")
        parts.append(f"(via {self.source})")
        return " ".join(parts)


def not_shipped(plan: str, phase: str, source: str = "none", **kw: str) -> ShipVerdict:
    return ShipVerdict(plan, phase, False, source, **kw)


@table
class Commit:
    """One commit as the log reader hands it over: full sha, subject, body."""

    sha: str
    subject: str
    body: str = ""

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def oneline(self) -> str:
        return f"{self.short} {self.subject}"


@table
class Candidate:
    """A stamp found in history, waiting for its commit's footprint to be checked."""

    commit: Commit
    rung: str
    note: str

    @property
    def rank(self) -> int:
        return RUNGS.index(self.rung) if self.rung in RUNGS else len(RUNGS)

    @property
    def summary(self) -> str:
        if self.rung == "body-mention":
            return f"{self.commit.subject}{self.note}"
        return f"{self.commit.oneline}{self.note}"


@table(frozen=False)
class GrepScan:
    """Fold newest-first commits into a ship verdict for one (plan, phase)."""

    plan: str
    phase: str
    matcher: StampMatcher
    done: bool = False
    _reverts: dict[str, Commit] = field(default_factory=dict)
    _best: Candidate | None = None
    _reverted: tuple[Candidate, Commit] | None = None
    _demoted: Candidate | None = None

    def reverter_of(self, sha: str) -> Commit | None:
        """The newer commit that reverts SHA (full or abbreviated in its body), if any."""
        hit = self._reverts.get(sha)
        if hit is not None:
            return hit
        for target, by in self._reverts.items():
            if len(target) < 40 and sha.startswith(target):
                return by
        return None

    def feed(self, commit: Commit) -> Candidate | None:
        """Fold one commit; return a candidate whose footprint the caller must ``settle``."""
        reverter = self.reverter_of(commit.sha)
        if reverter is None:  # a reverted revert no longer undoes anything
            for target in revert_targets(commit.body):
                self._reverts.setdefault(target, commit)
        m = self.matcher.match(commit.subject, commit.body)
        if m is None:
            return None
        cand = Candidate(commit, m.rung, m.note)
        if reverter is not None:
            if self._reverted is None:
                self._reverted = (cand, reverter)
            return None
        if self._best is not None and self._best.rank <= cand.rank:
            return None
        return cand

    def settle(self, cand: Candidate, files: tuple[str, ...] | None) -> None:
        """Record CAND given the files its commit touched (None: unknown, never demotes)."""
        if is_bump_or_ledger_only(files):
            if self._demoted is None:
                self._demoted = cand
            return
        self._best = cand
        if cand.rank == 0:
            self.done = True

    def verdict(self) -> ShipVerdict:
        """The verdict from everything folded so far."""
        if self._best is not None:
            b = self._best
            return ShipVerdict(self.plan, self.phase, True, grade(b.rung), b.commit.short, b.summary, b.rung)
        if self._reverted is not None:
            cand, by = self._reverted
            return not_shipped(self.plan, self.phase, "reverted", sha=cand.commit.short,
                               summary=f"{cand.summary} - reverted by {by.oneline}",
                               rung=cand.rung, reverted_by=by.short)
        if self._demoted is not None:
            d = self._demoted
            note = (f" [demoted: {d.commit.short} touched only release-bump/ledger files;"
                    " the phase token is in notes, not a ship]")
            return not_shipped(self.plan, self.phase, sha=d.commit.short, summary=d.summary + note,
                               rung=d.rung)
        return not_shipped(self.plan, self.phase)


def interpret(v: ShipVerdict) -> str:
    """One line: what this verdict means for an agent's next action."""
    if v.shipped:
        if v.source == "registry":
            return (f"SHIPPED - confirmed by a run-registry row whose commit {v.sha} is in this history. "
                    "Do not redo this phase.")
        if v.source == "grep-artifact":
            return (f"SHIPPED - commit {v.sha} touched the files the plan names for this phase "
                    "(hard to forge). Do not redo this phase.")
        return (f"SHIPPED - on the word of commit {v.sha}'s subject (forgeable text, not its diff); "
                "run 'dos commit-audit' on it if the claim matters.")
    if v.source == "reverted":
        return (f"NOT shipped - commit {v.sha} stamped it but {v.reverted_by} reverted it. "
                "The phase is open again.")
    if v.source == "none" and not v.sha:
        return ("NOT shipped - no commit, registry row or artifact in this history stamps it. "
                "It is open: pick it up, or stamp your commit '<PLAN>: <PHASE> ...'.")
    return ("NOT shipped on the evidence checked - a mention was found but does not count as a ship "
            f"({v.summary or v.source}). Treat the phase as open.")
