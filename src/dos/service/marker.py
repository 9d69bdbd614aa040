"""marker: the wait-marker budget, a stop hook with the opposite sense (hold a looping turn open).

While armed (``--loop``, or a variable of ``[marker] arm_on_env`` is set) and the session has
held fewer than ``max_streak`` stops in a row, the stop is held open with a reason; then the
agent may stop. ``--reset`` starts the count over. It never judges writes.
"""

from __future__ import annotations

from dos.kernel.enforce import ALLOW, Verdict
from dos.service.events import Decision
from dos.service.streams import read_json, stream_path, write_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.service.events import HookEvent
    from dos.service.settings import Settings


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str], opts: Mapping[str, Any]) -> Decision:
    marker = settings.marker
    path = stream_path(settings.root, event.session or "_", "marker.json")
    if opts.get("reset"):
        note = write_json(settings.root, path, {"emitted": 0})
        return Decision(ALLOW, [note] if note else [])
    cap = int(opts["max_markers"]) if str(opts.get("max_markers", "")).isdigit() else int(marker["max_streak"])
    armed = bool(opts.get("loop")) or any(env.get(name, "").strip() for name in marker["arm_on_env"])
    emitted = read_json(path).get("emitted", 0)
    emitted = emitted if isinstance(emitted, int) else 0
    detail = {"allow_marker": False, "markers_emitted": emitted, "max_markers": cap}
    if not armed or (event.stop_hook_active and marker["respect_stop_hook_active"]) or emitted >= cap:
        return Decision(ALLOW, detail=detail)
    emitted += 1
    notes = [n for n in [write_json(settings.root, path, {"emitted": emitted})] if n]
    reason = (f"DOS wait-marker budget: wait-marker {emitted}/{cap} — turn held open; keep working, or stop "
              f"once the budget is spent.")
    return Decision(Verdict("deny", "WAIT_MARKER", reason=reason), notes,
                    {"allow_marker": True, "markers_emitted": emitted, "max_markers": cap, "reason": reason})
