"""Does a new test witness a change? Red on the tree without it, green on the tree with it.

Two outcomes in (the test on the base tree, the test on the candidate tree), one verdict
out. Outcomes narrated by the agent (``forgeable``) are never believed. An errored
baseline (the test could not even load) is a structural witness, a failed one an
assert-level witness. ``outcome_of`` reads a test command's exit status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Sequence


class Outcome(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    ERRORED = "ERRORED"
    NOT_RUN = "NOT_RUN"

    @classmethod
    def parse(cls, text: str) -> Outcome:
        """The CLI spelling (pass, fail, error, not-run) or the token itself."""
        key = text.strip().lower().replace("_", "-")
        found = {"pass": cls.PASSED, "passed": cls.PASSED, "fail": cls.FAILED, "failed": cls.FAILED,
                 "error": cls.ERRORED, "errored": cls.ERRORED, "not-run": cls.NOT_RUN}.get(key)
        if found is None:
            raise ValueError(f"unknown test outcome {text!r}: pass, fail, error or not-run")
        return found


class Witness(StrEnum):
    DISCRIMINATES = "DISCRIMINATES"
    VACUOUS = "VACUOUS"
    UNSATISFIED = "UNSATISFIED"
    REGRESSIVE = "REGRESSIVE"
    ABSTAIN = "ABSTAIN"


OS_RECORDED = "OS_RECORDED"
AGENT_AUTHORED = "AGENT_AUTHORED"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of the test command on one tree, as the shell recorded it."""

    side: str  # baseline | candidate
    commit: str
    exit_status: int | None  # negative: killed by that signal
    outcome: Outcome
    duration_ms: int = 0
    timed_out: bool = False
    output_sha256: str = ""
    output_tail: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "commit": self.commit, "exit_status": self.exit_status,
                "outcome": str(self.outcome), "duration_ms": self.duration_ms, "timed_out": self.timed_out,
                "output_sha256": self.output_sha256, "output_tail": list(self.output_tail)}


@dataclass(frozen=True, slots=True)
class WitnessEvidence:
    baseline: Outcome
    candidate: Outcome
    rung: str = OS_RECORDED  # AGENT_AUTHORED: the agent's own narration
    runs: tuple[RunRecord, ...] = ()  # when DOS ran the command itself
    command: tuple[str, ...] = ()
    overlay: tuple[str, ...] = ()  # test paths laid over the base tree

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"baseline": str(self.baseline), "candidate": str(self.candidate), "rung": self.rung}
        if self.runs:
            d.update(runs=[r.to_dict() for r in self.runs], command=list(self.command), overlay=list(self.overlay))
        return d


@dataclass(frozen=True, slots=True)
class WitnessVerdict:
    verdict: Witness
    reason: str
    evidence: WitnessEvidence
    assert_level: bool = False

    @property
    def token(self) -> str:
        return str(self.verdict)

    @property
    def witnesses(self) -> bool:
        return self.verdict is Witness.DISCRIMINATES

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "witnesses": self.witnesses, "assert_level": self.assert_level,
                "reason": self.reason, "evidence": self.evidence.to_dict()}


_RED = (Outcome.FAILED, Outcome.ERRORED)


def classify(ev: WitnessEvidence) -> WitnessVerdict:
    """The red-to-green join: forgeable first, then missing halves, then the four real cases."""
    b, c = ev.baseline, ev.candidate
    if ev.rung == AGENT_AUTHORED:
        return WitnessVerdict(Witness.ABSTAIN, f"the outcomes ({b} -> {c}) are the agent's own account, not a "
                              f"recorded run: no witness (run the test on both trees)", ev)
    if Outcome.NOT_RUN in (b, c):
        side = "baseline" if b is Outcome.NOT_RUN else "candidate"
        return WitnessVerdict(Witness.ABSTAIN, f"the {side} run is missing: one side of red-to-green says "
                              f"nothing (run the test on both trees)", ev)
    if b is Outcome.PASSED and c in _RED:
        return WitnessVerdict(Witness.REGRESSIVE, f"baseline PASSED, candidate {c}: the change breaks this "
                              f"test", ev)
    if b in _RED and c in _RED:
        return WitnessVerdict(Witness.UNSATISFIED, f"candidate {c} (baseline {b}): the change does not make "
                              f"its own test pass", ev)
    if b is Outcome.PASSED:
        return WitnessVerdict(Witness.VACUOUS, "PASSED on both trees: the test passes without the change, so "
                              "it witnesses nothing about it", ev)
    if b is Outcome.FAILED:
        return WitnessVerdict(Witness.DISCRIMINATES, "baseline FAILED, candidate PASSED: red to green across "
                              "the change; assert-level (the test ran against the old code and rejected it)",
                              ev, assert_level=True)
    return WitnessVerdict(Witness.DISCRIMINATES, "baseline ERRORED, candidate PASSED: red to green across the "
                          "change; structural (the test could not run without the change, so it never "
                          "judged the old behaviour)", ev)


# --------------------------------------------------------------------------- reading a run

PYTEST_FAILED = 1  # pytest: tests ran and some failed; 2-5 are interruption, internal, usage, no tests
COMMAND_MISSING = frozenset({126, 127})  # the shell's "cannot execute" and "not found"


def is_pytest(argv: Sequence[str]) -> bool:
    """True when ARGV runs pytest (``pytest``, ``py.test``, ``python -m pytest``, through env/uv/...)."""
    names = [a.rsplit("/", 1)[-1].lower() for a in argv]
    if any(n in ("pytest", "py.test") for n in names):
        return True
    return any(names[i] == "-m" and names[i + 1] == "pytest" for i in range(len(names) - 1))


def outcome_of(status: int | None, *, pytest: bool, timed_out: bool = False) -> Outcome:
    """A test command's outcome from its exit STATUS (None or negative: killed by a signal).

    Exit 0 passes. Under pytest only exit 1 is a failed assertion; other codes mean the
    tests could not run (ERRORED). For any other runner every non-zero exit is FAILED,
    except a command that could not be started or was killed (ERRORED).
    """
    if timed_out or status is None or status < 0 or status in COMMAND_MISSING:
        return Outcome.ERRORED
    if status == 0:
        return Outcome.PASSED
    if pytest:
        return Outcome.FAILED if status == PYTEST_FAILED else Outcome.ERRORED
    return Outcome.FAILED


TEST_DIRS = frozenset({"test", "tests", "testing", "spec", "specs", "__tests__"})


def looks_like_test(path: str) -> bool:
    """A path a change would add its test in: under a tests directory, or named like a test file."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1].lower()
    if any(p.lower() in TEST_DIRS for p in parts[:-1]):
        return True
    stem = name.rsplit(".", 1)[0]
    return (stem.startswith("test_") or stem.endswith(("_test", "_spec", ".test", ".spec")) or name == "conftest.py")
