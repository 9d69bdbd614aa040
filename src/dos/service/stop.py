"""stop: may the session stop? Not while a phase it claimed is unverified (at most the cap in a row).

The claim comes from ``dos claim`` (a CLAIM event) and from the hook's own flags; the
truth is ``verify``'s, run only when there is a claim, so a session that claimed nothing
stops at the cost of one indexed read.
"""

from __future__ import annotations

import os

from dos.kernel.enforce import ALLOW
from dos.service.events import Decision
from dos.service.live import LiveView, full_store
from dos.service.streams import read_json, stream_path, write_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.service.events import HookEvent
    from dos.service.settings import Settings


def claim_of(settings: Settings, session: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """The (plan, phase) SESSION last claimed with ``dos claim``, or None."""
    from dos.kernel.jsonc import JSONError, loads

    url = env.get("DOS_STORE_URL", "").strip() or settings.store_url
    if url:
        with full_store(settings) as store:
            return store.claim_for(session)
    path = settings.store_path
    if not os.path.isfile(path):
        return None
    from dos.store.live import Unreadable, connect_read

    try:
        conn = connect_read(path, settings.busy_timeout_ms)
    except Unreadable:
        return None
    try:
        row = conn.execute("SELECT data FROM events WHERE op = 'CLAIM' AND holder = ? ORDER BY seq DESC LIMIT 1",
                           (session,)).fetchone()
    finally:
        conn.close()
    if not row:
        return None
    try:
        data = loads(row[0])
    except JSONError:
        return None
    if not isinstance(data, dict) or not data.get("plan"):
        return None
    return str(data.get("plan", "")), str(data.get("phase", ""))


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str],
         claims: tuple[tuple[str, str], ...] = ()) -> Decision:
    """Refuse a stop while the session's claimed phase is not verified (at most the cap in a row).

    CLAIMS (from the hook's ``--plan/--phase`` or transcript markers) add to the session's
    ``dos claim``; the first unverified one is what refuses.
    """
    from dos.kernel.enforce import stop_verdict

    found = list(claims)
    if event.session:
        stored = claim_of(settings, event.session, env)
        if stored is not None:
            found.append(stored)
    if not found:
        return Decision(ALLOW)
    count_path = stream_path(settings.root, event.session or "_", "stop.json")
    kept_blocks = read_json(count_path).get("blocks", 0)
    blocks = kept_blocks if event.stop_hook_active and isinstance(kept_blocks, int) else 0
    claim, shipped, detail = found[0], True, ""
    for plan, phase in dict.fromkeys(found):
        shipped, detail = _shipped(settings.root, plan, phase)
        if not shipped:
            claim = (plan, phase)
            break
    verdict = stop_verdict(claim, shipped, detail, stop_hook_active=event.stop_hook_active, blocks=blocks,
                           cap=settings.stop_block_cap)
    kept = blocks + 1 if verdict.action == "deny" else (blocks if verdict.token == "CAP_REACHED" else 0)
    notes = [n for n in [write_json(settings.root, count_path, {"blocks": kept})] if n]
    if verdict.action != "allow" or verdict.token == "CAP_REACHED":
        note = LiveView(settings, env).record(event, verdict)
        notes += [note] if note else []
    if verdict.token == "CAP_REACHED":
        notes.append("dos-hook: " + verdict.reason.removeprefix("DOS: "))
    return Decision(verdict, notes)


def _shipped(root: str, plan: str, phase: str) -> tuple[bool, str]:
    from pathlib import Path

    from dos.config import Workspace
    from dos.service.context import Context
    from dos.service.truth import verify

    with Context(Workspace(Path(root), "--workspace")) as ctx:
        verdict = verify(ctx, plan, phase)
    if verdict.shipped or verdict.source in ("", "none"):
        return bool(verdict.shipped), ""
    return False, f"the evidence found says {verdict.source}"


def record_claim(ctx: Any, session: str, plan: str, phase: str) -> Any:
    """``dos claim``: record the phase SESSION says it is shipping (its stop hook waits for verify)."""
    from dos.kernel.lease import Op

    return ctx.store.record(Op.CLAIM, lane=phase, holder=session, reason=f"claims {plan} {phase}",
                            data={"session": session, "plan": plan, "phase": phase})
