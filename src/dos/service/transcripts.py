"""``verify-result`` and ``coverage``: read workers' transcripts and fold their terminal verdicts.

A file that cannot be read is UNREADABLE, never a death. Very large transcripts are read
from their last ``TAIL_BYTES`` (the terminal record is at the end; a cut first line is
skipped as unparseable). Paths from several globs and flags are counted once each.
"""

from __future__ import annotations

import os

from dos.errors import InputError, UsageError
from dos.kernel.coverage import CoverageVerdict, coverage as fold_coverage
from dos.kernel.transcript import DeadClass, Terminal, TerminalVerdict, classify_text, unreadable
from dos.service.journal import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

    from dos.service.context import Context

TAIL_BYTES = 32 << 20


def read_terminal(path: str) -> TerminalVerdict:
    """The terminal verdict of the transcript at PATH (UNREADABLE when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > TAIL_BYTES:
                fh.seek(size - TAIL_BYTES)
            raw = fh.read()
    except IsADirectoryError:
        return unreadable("a directory, not a transcript file")
    except OSError as exc:
        return unreadable(exc.strerror or type(exc).__name__)
    return classify_text(raw.decode("utf-8", errors="replace"))


def transcript_from_event(text: str) -> str:
    """The ``transcript_path`` of a hook event (JSON on stdin); '' when there is none."""
    from dos.kernel.jsonc import JSONError, loads

    if not text.strip():
        return ""
    try:
        event = loads(text)
    except (JSONError, ValueError):
        return ""
    path = event.get("transcript_path") if isinstance(event, dict) else None
    return path if isinstance(path, str) else ""


def verify_result(ctx: Context | None, path: str) -> TerminalVerdict:
    """Did the worker whose transcript is at PATH really return a result?"""
    if not path:
        raise UsageError("verify-result: no transcript; pass --transcript PATH, or a hook event with "
                         "transcript_path on stdin")
    verdict = read_terminal(path)
    record(ctx, "verify-result", verdict, subject=path)
    return verdict


def paths_of(transcripts: Sequence[str], globs: Sequence[str]) -> list[str]:
    """The transcript files named directly or by GLOBS (recursive ``**``), each once, in order."""
    import glob

    out: dict[str, str] = {}
    for path in transcripts:
        out.setdefault(os.path.realpath(path), path)
    for pattern in globs:
        for path in sorted(glob.glob(os.path.expanduser(pattern), recursive=True)):
            if os.path.isfile(path):
                out.setdefault(os.path.realpath(path), path)
    return list(out.values())


def parse_states(text: str) -> list[tuple[Terminal, DeadClass]]:
    """``HEALTHY,SYNTHETIC,...`` (any case; ``SYNTHETIC:RATE_LIMIT`` names the class) as (state, class) pairs."""
    out = []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        state, _, cls = token.upper().partition(":")
        try:
            out.append((Terminal(state), DeadClass(cls) if cls else DeadClass.NONE))
        except ValueError:
            raise InputError(f"--states: {token!r} is not a terminal state (one of "
                             f"{', '.join(Terminal.values())}, optionally SYNTHETIC:CLASS)") from None
    return out


def coverage(ctx: Context | None, declared: int | None, *, transcripts: Sequence[str] = (), globs: Sequence[str] = (),
             states: str = "", min_quorum: float | None = None) -> CoverageVerdict:
    """How many of DECLARED fan-out workers returned: grounded on their transcripts, or on caller-given STATES."""
    if declared is None:
        raise UsageError("coverage: --declared N is required (the fan-out width; never inferred from the results)")
    if min_quorum is not None and not 0.0 <= min_quorum <= 1.0:
        raise UsageError("--min-quorum must be between 0 and 1")
    if states and (transcripts or globs):
        raise UsageError("coverage: pass transcripts (grounded) or --states (caller-asserted), not both")
    if states:
        verdict = fold_coverage(declared, parse_states(states), grounded=False, min_quorum=min_quorum)
    else:
        paths = paths_of(transcripts, globs)
        if not paths:
            raise UsageError("coverage: nothing to fold; pass --transcript PATH, --transcripts-glob GLOB (grounded) "
                             "or --states HEALTHY,SYNTHETIC,... (caller-asserted)")
        terms = [read_terminal(p) for p in paths]
        verdict = fold_coverage(declared, [(t.state, t.klass) for t in terms], grounded=True, min_quorum=min_quorum)
    record(ctx, "coverage", verdict)
    return verdict
