"""Picker verdicts that read state: the packet gate (a packet file or inline picks) and pick priority.

``gate`` reads a ``.dispositions-<tag>.json`` packet and its ``.race-<tag>.json`` sibling.
``attempts`` is the pick-attempt history: ATTEMPT events in the store, plus the ATTEMPT rows
of a reference ``lane-journal.jsonl`` when one is there (``[paths] lane_journal``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Sequence

from dos.errors import InputError, UsageError
from dos.service import journal
from dos.service.context import Context

_PACKET_NAME = re.compile(r"^\.dispositions-(?P<tag>.+)\.json$")
DEFAULT_LANE_JOURNAL = ".dos/lane-journal.jsonl"


def _dispositions(raw: Any, what: str) -> list[Any]:
    from dos.kernel.packet import disposition_of

    if not isinstance(raw, list):
        raise InputError(f"{what} must be a JSON list of disposition objects, not {type(raw).__name__}")
    try:
        return [disposition_of(item, i) for i, item in enumerate(raw)]
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist; give the .dispositions-<tag>.json file the packet "
                         f"writer emitted, or --picks-json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{what} {path} is not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _race(packet: Path) -> Any:
    """The Race recorded beside PACKET, or None (no sidecar, or one that is not a race record)."""
    from dos.kernel.packet import RACE_SCHEMA, Race

    m = _PACKET_NAME.match(packet.name)
    if not m:
        return None
    sidecar = packet.with_name(f".race-{m.group('tag')}.json")
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None  # no race record (an unreadable one proves no race either)
    if not isinstance(raw, dict) or raw.get("schema") != RACE_SCHEMA:
        return None
    return Race(m.group("tag"), raw.get("blocked_by_pid"), str(raw.get("attempted_at") or ""),
                str(raw.get("lock_path") or ""))


def gate(ctx: Context | None, *, packet: str | Path | None = None, picks_json: str | None = None,
         lane: str = "", run_id: str = "") -> Any:
    """LIVE, DRAIN, STALE-STAMP, BLOCKED or RACE for one packet (a file, or the inline picks)."""
    from dos.kernel.packet import DISPOSITIONS_SCHEMA, classify_packet

    if (packet is None) == (picks_json is None):
        raise UsageError("gate needs exactly one of PACKET (a .dispositions-<tag>.json file) or --picks-json "
                         "'<json list>'")
    race = None
    if picks_json is not None:
        try:
            raw = json.loads(picks_json)
        except json.JSONDecodeError as exc:
            raise InputError(f"--picks-json is not valid JSON ({exc.msg} at char {exc.pos})") from None
        picks = _dispositions(raw, "--picks-json")
        subject = "--picks-json"
    else:
        path = Path(packet)  # relative to the caller's directory, as a shell argument is
        doc = _read_json(path, "packet")
        if not isinstance(doc, dict):
            raise InputError(f"packet {packet} must be a JSON object {{tag, schema, dispositions}}, "
                             f"not {type(doc).__name__}")
        if doc.get("schema") != DISPOSITIONS_SCHEMA:
            raise InputError(f"packet {packet} has schema {doc.get('schema')!r}, expected {DISPOSITIONS_SCHEMA!r}; "
                             f"its writer speaks another packet format")
        picks = _dispositions(doc.get("dispositions", []), f"packet {packet}")
        race = _race(path)
        subject = str(packet)
    v = classify_packet(picks, race)
    if lane and ctx is not None:
        from dos.service.context import taxonomy

        lane = taxonomy(ctx.config).canonical(lane.strip())  # health finds the lane's verdicts by its name
    journal.record(ctx, "gate", v, run_id=run_id, lane=lane, subject=subject)
    return v


def _journal_rows(path: Path) -> list[dict[str, Any]]:
    """ATTEMPT rows of a reference lane journal; a torn or foreign line is skipped."""
    from dos.store.jsonl import parse_ts

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    out = []
    for line in lines:
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(rec, dict) or rec.get("op") != "ATTEMPT":
            continue
        at = rec.get("attempted_at_ms")
        if not isinstance(at, int) or isinstance(at, bool):
            try:
                at = parse_ts(str(rec.get("ts")))
            except ValueError:
                continue
        out.append({**rec, "attempted_at_ms": at})
    return out


def attempts(ctx: Context) -> list[dict[str, Any]]:
    """Every recorded pick attempt: the store's ATTEMPT events, then a reference lane journal's rows."""
    from dos.kernel.lease import Op

    rows: list[dict[str, Any]] = []
    for event in ctx.store.events(ops=[Op.ATTEMPT]):
        data = dict(event.data or {})
        at = data.get("attempted_at_ms")
        if not isinstance(at, int) or isinstance(at, bool):
            data["attempted_at_ms"] = event.ts_ms
        data.setdefault("op", "ATTEMPT")
        rows.append(data)
    rel = ctx.config.paths.lane_journal or DEFAULT_LANE_JOURNAL
    rows += _journal_rows(ctx.root / rel)
    return rows


def pick_priority(ctx: Context | None, unit: str, *, attempts_given: Sequence[Any] | None = None) -> Any:
    """NEVER_ATTEMPTED or ATTEMPTED (with the sort key) for UNIT; ATTEMPTS_GIVEN replaces the history."""
    from dos.kernel.freshness import pick_priority as rank

    if not unit.strip():
        raise UsageError("pick-priority needs a UNIT id, e.g. dos pick-priority AUTH3")
    if attempts_given is None:
        if ctx is None:
            raise UsageError("pick-priority needs a workspace to read attempts from, or --attempts")
        rows = attempts(ctx)
    else:
        if not isinstance(attempts_given, list) or not all(isinstance(a, dict) for a in attempts_given):
            raise InputError("--attempts must be a JSON list of objects, e.g. "
                             "'[{\"unit_id\": \"AUTH3\", \"attempted_at_ms\": 1000}]'")
        rows = attempts_given
    v = rank(unit.strip(), rows)
    journal.record(ctx, "pick_priority", v, subject=unit.strip())
    return v
