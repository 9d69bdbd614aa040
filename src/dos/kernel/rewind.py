"""The rewind verdict: may a stopped run's conversation be cut back to the checkpoint DOS minted? Pure.

A transcript's turns are its non-blank lines, each stripped; a turn's digest is the
SHA-256 of its UTF-8 bytes. At SUSPEND DOS records (turn index, digest); a rewind is
proposed only when a ground-truth stop signal fired and the live turn at that index still
has that digest. The proposal never truncates anything: the host owns the transcript.
"""

from __future__ import annotations

import hashlib

from dos.kernel.record import Choice, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping, Sequence

SIGNALS = ("DIVERGED", "THRASHING", "STARVED")  # the stop signals that justify a rewind
_SOURCE = {"DIVERGED": "resume", "THRASHING": "convergence", "STARVED": "convergence"}


class Rewind(Choice, values=("REWIND", "NO_REWIND", "UNANCHORED")):
    """The rewind verdict's tokens."""


def turn_digest(line: str) -> str:
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()


def turn_digests(lines: Iterable[str]) -> list[str]:
    """The digest of each turn: every non-blank line, stripped, in order."""
    return [turn_digest(line) for line in lines if line.strip()]


def render_token(kind: str, payload: Mapping[str, Any]) -> str | None:
    """One no-good token as a line of verdict words (None for a kind this kernel does not know)."""
    p = {k: ("" if v is None else v) for k, v in payload.items()}
    if kind == "DIVERGED":
        return "resume = DIVERGED"
    if kind in ("THRASHING", "STARVED"):
        return f"convergence = {kind}"
    if kind == "VERIFY_NOT_SHIPPED":
        return f"verify = NOT_SHIPPED @ {p.get('sha', '')}"
    if kind == "TOOL_STREAM_REPEATING":
        return f"tool_stream = REPEATING ×{p.get('count', '')} @ turn {p.get('turn', '')}"
    return None


class RewindVerdict(Record):
    __slots__ = ("verdict", "reason", "run_id", "rewind_to_turn", "transcript_digest", "dropped_turns", "tokens")
    _defaults = {"rewind_to_turn": -1, "transcript_digest": "", "dropped_turns": (), "tokens": ()}

    @property
    def token(self) -> str:
        return str(self.verdict)

    @property
    def evidence(self) -> dict[str, Any]:
        return {"rewind_to_turn": self.rewind_to_turn, "transcript_digest": self.transcript_digest}

    def note(self) -> dict[str, Any]:
        lines = [t["rendered"] for t in self.tokens]
        return {"tokens": [dict(t) for t in self.tokens], "env_excerpt": None, "lines": lines}

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reason": self.reason, "run_id": self.run_id,
                "rewind_to_turn": self.rewind_to_turn, "transcript_digest": self.transcript_digest,
                "dropped_turns": list(self.dropped_turns), "no_good_note": self.note()}


def decide_rewind(run_id: str, fire: str, checkpoint: tuple[int, str] | None, turns: Sequence[str] | None,
                  tokens: Sequence[tuple[str, Mapping[str, Any]]] = ()) -> RewindVerdict:
    """FIRE: the stop signal asserted ('' for none). CHECKPOINT: (turn, digest) DOS minted at SUSPEND.
    TURNS: the live transcript's turn digests (None: it could not be read). TOKENS: (kind, payload)
    verdicts for the no-good note; kinds this kernel cannot render are dropped."""
    fire = (fire or "").upper()
    if fire not in SIGNALS:
        return RewindVerdict(Rewind.NO_REWIND, f"no rewind: the stop signal ({fire or 'none'}) is not one of "
                             f"{', '.join(SIGNALS)}; the loop continues and the transcript is untouched", run_id)
    signal = f"{_SOURCE[fire]}={fire}"
    if checkpoint is None:
        return RewindVerdict(Rewind.UNANCHORED, f"{signal} fired, but no conversation checkpoint was minted at "
                             f"SUSPEND; refusing to rewind to a turn DOS did not stamp", run_id)
    turn, digest = checkpoint
    if turns is None:
        return RewindVerdict(Rewind.UNANCHORED, f"{signal} fired, but the transcript cannot be read; refusing "
                             f"to rewind blind (checkpoint turn {turn})", run_id)
    if not 0 <= turn < len(turns):
        return RewindVerdict(Rewind.UNANCHORED, f"{signal} fired, but the transcript has no turn {turn} (it has "
                             f"{len(turns)}); it was cut or replaced under the checkpoint", run_id)
    if not digest or turns[turn].casefold() != digest.casefold():
        return RewindVerdict(Rewind.UNANCHORED, f"{signal} fired, but turn {turn} no longer has the digest DOS "
                             f"minted ({digest[:12]}): history was rewritten under the checkpoint; refusing "
                             f"to rewind to it", run_id)
    rendered = []
    for kind, payload in tokens:
        line = render_token(kind, payload)
        if line is not None:
            rendered.append({"kind": kind, "payload": dict(payload), "rendered": line})
    dropped = tuple(range(turn + 1, len(turns)))
    return RewindVerdict(Rewind.REWIND, f"rewind to checkpoint turn {turn} (digest {digest[:12]}): {signal} is a "
                         f"dead end; drop {len(dropped)} later turn(s) and re-enter with a no-good note "
                         f"({len(rendered)} verdict token(s))", run_id, turn, turns[turn], dropped, tuple(rendered))
