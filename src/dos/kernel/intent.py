"""The intent ledger: what a run declared it would do, what it claimed, and what DOS verified.

A ledger record is the reference's ``intent.jsonl`` shape: a dict with ``op`` and the op's
fields. ``replay`` folds records into an ``IntentState``; ``fold`` applies more records to a
state, so the store keeps the fold current in the transaction of each append (and a
property test holds ``fold(replay(a), b) == replay(a + b)``). Agents' text is data here:
a field of the wrong type makes its record ``malformed`` (counted, never folded).
"""

from __future__ import annotations

from dos.kernel.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

FAMILY = "intent-ledger"
VERSION = 1
SCHEMA = {"family": FAMILY, "version": VERSION}

INTENT = "INTENT"
STEP_CLAIMED = "STEP_CLAIMED"
STEP_VERIFIED = "STEP_VERIFIED"
SUSPEND = "SUSPEND"
RESUME_PROPOSED = "RESUME_PROPOSED"
CORRUPT = "_CORRUPT"
OPS = (INTENT, STEP_CLAIMED, STEP_VERIFIED, SUSPEND, RESUME_PROPOSED)
WRITER_OPS = frozenset({INTENT, STEP_CLAIMED, SUSPEND})  # the run's own writer appends these
REFEREE_OPS = frozenset({STEP_VERIFIED, RESUME_PROPOSED})  # DOS mints these after its own checks
TRUSTED_VIA = frozenset({"file-path", "registry"})  # the rungs a STEP_VERIFIED may name to count

MAX_ID = 200  # a step id longer than this is malformed
_SCALARS = ("goal", "plan", "phase", "start_sha")


class IntentState(Record):
    """The fold of one run's ledger.

    ``claims``: step -> the sha its last STEP_CLAIMED named (the agent's say-so).
    ``verified``: step -> ``{sha, via, verdicts}`` of its last STEP_VERIFIED (still re-checked at read).
    ``suspend``: the SUSPEND fields (a later SUSPEND's empty values do not erase earlier ones).
    ``proposed``: the last RESUME_PROPOSED. Counts: ``records`` folded, ``corrupt`` sentinels,
    ``unknown`` ops or foreign families, ``malformed`` records of a known op with bad fields.
    """

    __slots__ = ("run_id", "goal", "plan", "phase", "start_sha", "declared", "regions", "env", "spine",
                 "claims", "verified", "suspended", "suspend", "proposed", "intents", "records", "corrupt",
                 "unknown", "malformed", "unreadable_newer")
    _defaults = {"goal": "", "plan": "", "phase": "", "start_sha": "", "declared": (), "regions": {}, "env": {},
                 "spine": {}, "claims": {}, "verified": {}, "suspended": False, "suspend": {}, "proposed": {},
                 "intents": 0, "records": 0, "corrupt": 0, "unknown": 0, "malformed": 0, "unreadable_newer": False}

    @property
    def has_intent(self) -> bool:
        """Did the run declare anything: a goal, a plan, or steps?"""
        return bool(self.goal or self.plan or self.declared)

    @property
    def checkpoint(self) -> tuple[int, str] | None:
        """The conversation checkpoint DOS minted at SUSPEND: (turn, digest), or None."""
        turn, digest = self.suspend.get("checkpoint_turn"), self.suspend.get("transcript_digest")
        if not digest or not isinstance(turn, int) or isinstance(turn, bool):
            return None
        return turn, str(digest)

    def region_of(self, step: str) -> tuple[str, ...]:
        return tuple(self.regions.get(step, ()))

    def to_dict(self) -> dict[str, Any]:
        d = self.fields()
        d["declared"] = list(self.declared)
        d["regions"] = {k: list(v) for k, v in self.regions.items()}
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IntentState:
        kw = {k: d[k] for k in cls.__slots__ if k in d}
        kw["declared"] = tuple(kw.get("declared") or ())
        kw["regions"] = {k: tuple(v) for k, v in (kw.get("regions") or {}).items()}
        return cls(**kw)


def empty(run_id: str) -> IntentState:
    return IntentState(run_id=run_id)


def replay(run_id: str, records: Iterable[Mapping[str, Any]]) -> IntentState:
    """Fold RECORDS (oldest first) into the state of run RUN_ID."""
    return fold(empty(run_id), records)


def fold(state: IntentState, records: Iterable[Mapping[str, Any]]) -> IntentState:
    """STATE with RECORDS applied in order."""
    b = _Builder(state)
    for rec in records:
        b.apply(rec)
    return b.freeze()


def version_of(rec: Mapping[str, Any]) -> tuple[str, int] | None:
    """The (family, version) a record is tagged with, or None when it carries no schema tag."""
    tag = rec.get("schema")
    if not isinstance(tag, dict):
        return None
    version = tag.get("version")
    return str(tag.get("family", "")), version if isinstance(version, int) and not isinstance(version, bool) else 0


def _text(value: Any) -> str | None:
    """VALUE as a field string ('' for None), or None when it is not a string."""
    if value is None:
        return ""
    return value if isinstance(value, str) else None


def _step_id(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and len(value) <= MAX_ID and all(ord(c) >= 32 for c in value):
        return value
    return None


def _string_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return value
    return None


class _Builder:
    """A mutable copy of a state, applied record by record, then frozen once."""

    def __init__(self, s: IntentState) -> None:
        self.v = s.fields()
        for key in ("regions", "env", "spine", "claims", "verified", "suspend", "proposed"):
            self.v[key] = dict(self.v[key])
        self.v["declared"] = list(self.v["declared"])

    def freeze(self) -> IntentState:
        v = dict(self.v)
        v["declared"] = tuple(v["declared"])
        return IntentState(**v)

    def apply(self, rec: Mapping[str, Any]) -> None:
        v = self.v
        op = rec.get("op") if isinstance(rec, dict) else None
        if op == CORRUPT:
            v["corrupt"] += 1
            return
        tag = version_of(rec) if isinstance(rec, dict) else None
        if tag is not None and tag[0] and tag[0] != FAMILY:
            v["unknown"] += 1
            return
        if tag is not None and tag[1] > VERSION:
            v["unreadable_newer"] = True
            return
        handler = _HANDLERS.get(op) if isinstance(op, str) else None
        if handler is None:
            v["unknown"] += 1
            return
        if handler(self, rec) is False:
            v["malformed"] += 1
            return
        v["records"] += 1

    def _intent(self, rec: Mapping[str, Any]) -> bool:
        v = self.v
        values = {k: _text(rec.get(k)) for k in _SCALARS}
        steps = _string_list(rec.get("declared_steps"))
        regions = rec.get("step_regions")
        env, spine = rec.get("env"), rec.get("spine")
        if any(x is None for x in values.values()) or steps is None:
            return False
        if regions is not None and not (isinstance(regions, dict) and all(
                isinstance(k, str) and _string_list(g) is not None for k, g in regions.items())):
            return False
        if any(x is not None and not isinstance(x, dict) for x in (env, spine)):
            return False
        for key, value in values.items():
            if value:
                v[key] = value
        ids = [s for s in dict.fromkeys(steps) if _step_id(s)]
        if ids:
            v["declared"] = ids
        for step, globs in (regions or {}).items():
            if globs:
                v["regions"][step] = tuple(globs)
        if env:
            v["env"] = dict(env)
        if spine:
            v["spine"].update({k: x for k, x in spine.items() if isinstance(x, str) and x})
        v["suspended"] = False
        v["intents"] += 1
        return True

    def _claimed(self, rec: Mapping[str, Any]) -> bool:
        step, sha = _step_id(rec.get("step_id")), _text(rec.get("sha"))
        if step is None or sha is None:
            return False
        self.v["claims"][step] = sha
        return True

    def _verified(self, rec: Mapping[str, Any]) -> bool:
        step, sha, via = _step_id(rec.get("step_id")), _text(rec.get("sha")), _text(rec.get("via"))
        verdicts = rec.get("verdicts")
        if step is None or sha is None or via is None or not isinstance(verdicts, (list, type(None))):
            return False
        self.v["verified"][step] = {"sha": sha, "via": via, "verdicts": list(verdicts or ())}
        return True

    def _suspend(self, rec: Mapping[str, Any]) -> bool:
        reason, resume_sha = _text(rec.get("reason")), _text(rec.get("resume_sha"))
        residual, turn = _string_list(rec.get("residual")), rec.get("checkpoint_turn")
        digest, path = _text(rec.get("transcript_digest")), _text(rec.get("transcript_path"))
        if None in (reason, resume_sha, residual, digest, path):
            return False
        if turn is not None and (not isinstance(turn, int) or isinstance(turn, bool) or turn < 0):
            return False
        s = self.v["suspend"]
        if reason:
            s["reason"] = reason
        if resume_sha:
            s["resume_sha"] = resume_sha
        if digest and turn is not None:  # a checkpoint is replaced only by another whole one
            s["checkpoint_turn"], s["transcript_digest"], s["transcript_path"] = turn, digest, path
        if residual:
            s["residual"] = list(residual)
        self.v["suspended"] = True
        return True

    def _proposed(self, rec: Mapping[str, Any]) -> bool:
        pred, sha, residual = _text(rec.get("predecessor_run_id")), _text(rec.get("resume_sha")), \
            _string_list(rec.get("residual"))
        if None in (pred, sha, residual):
            return False
        self.v["proposed"] = {"predecessor_run_id": pred, "resume_sha": sha, "residual": list(residual)}
        return True


_HANDLERS = {INTENT: _Builder._intent, STEP_CLAIMED: _Builder._claimed, STEP_VERIFIED: _Builder._verified,
             SUSPEND: _Builder._suspend, RESUME_PROPOSED: _Builder._proposed}


def ledger_record(op: str, run_id: str, ts: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """One record in the reference's ``intent.jsonl`` shape: DATA plus ``op``, ``run_id``, ``ts``, ``schema``."""
    rec = dict(data)
    rec.setdefault("schema", dict(SCHEMA))
    rec.update(op=op, run_id=run_id, ts=ts)
    return rec


def residual_label(state: IntentState) -> str:
    """The one residual unit of a run that declared no steps."""
    if state.goal:
        return state.goal
    if state.plan or state.phase:
        return f"{state.plan} {state.phase}".strip()
    return "(declared goal)"


class LedgerVerdict(Record):
    """The outcome of a write to the ledger: DECLARED, CLAIMED, VERIFIED, UNVERIFIED, SUSPENDED or REFUSED.

    ``writer_token`` is set only on the DECLARED that bound a newly generated token: the one time it is shown.
    """

    __slots__ = ("verdict", "reason", "run_id", "step_id", "sha", "checks", "writer_token", "seq")
    _defaults = {"step_id": "", "sha": "", "checks": (), "writer_token": "", "seq": 0}

    @property
    def token(self) -> str:
        return self.verdict

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return [c.to_dict() for c in self.checks]

    def to_dict(self) -> dict[str, Any]:
        d = {"verdict": self.verdict, "reason": self.reason, "run_id": self.run_id, "step_id": self.step_id,
             "sha": self.sha, "steps": self.evidence, "seq": self.seq}
        if self.writer_token:
            d["writer_token"] = self.writer_token
        return d
