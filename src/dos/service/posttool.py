"""posttool: is the session repeating itself? Advisory only (REPEATING at 3, STALLED at 5)."""

from __future__ import annotations

from dos.kernel.enforce import ALLOW
from dos.service.events import Decision
from dos.service.live import LiveView
from dos.service.streams import read_json, stream_path, write_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

    from dos.service.events import HookEvent
    from dos.service.settings import Settings


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Decision:
    """Advisory: REPEATING / STALLED when the same call keeps returning the same result."""
    from dos.kernel.digest import next_run, step_digest
    from dos.kernel.enforce import stall_verdict

    if not event.session:
        return Decision(ALLOW)
    digest = step_digest(event.tool, event.tool_input, event.tool_response)
    path = stream_path(settings.root, event.session, "stream.json")
    prev = read_json(path)
    n = prev.get("n", 0)
    run = next_run(prev.get("d"), n if isinstance(n, int) else 0, digest)
    notes = [note for note in [write_json(settings.root, path, {"d": digest, "n": run, "tool": event.tool})] if note]
    verdict = stall_verdict(event.tool, run, ignore=tuple(settings.stall_ignore))
    if verdict.action != "allow":
        from dos.service.posture import apply

        verdict, kept = apply(settings.posture, event.moment, verdict)  # observe: recorded, not told
        note = LiveView(settings, env).record(event, kept)
        notes += [note] if note else []
    else:
        from dos.service.hook_journal import hook_allow

        hook_allow(settings, event, verdict, env, writes=False)
    return Decision(verdict, notes)
