"""session-start: tell an agent, before it writes anything, which lanes are free and who holds the rest.

A few lines of context for the host to put in front of the model, so a well-behaved agent
takes a lane first and never meets a deny. Reads the published live set; writes nothing.
"""

from __future__ import annotations

import time

from dos.kernel.enforce import Verdict
from dos.service.events import Decision, identity

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

    from dos.service.events import HookEvent
    from dos.service.settings import Settings

MAX_LISTED = 8


def _until(expires_ms: int, now_ms: int) -> str:
    left = max(0, expires_ms - now_ms) // 60_000
    return f"{left} min" if left < 120 else f"{left // 60} h"


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str]) -> Decision:
    """The context lines: lanes held by others (holder, until when), lanes free, the command that takes one."""
    from dos.kernel.enforce import ALLOW, holder_label
    from dos.service.live import LiveView

    if settings.posture == "observe":  # record only: agents are told nothing
        return Decision(ALLOW)
    view = LiveView(settings, env)
    try:
        view.read()
    except Exception as exc:  # noqa: BLE001 - context is advice; say what is wrong instead
        return Decision(Verdict("allow", "CONTEXT", reason=(
            f"DOS referees this repository, but its lease store cannot be read ({exc}); run `dos doctor`.")))
    finally:
        view.close()
    who = identity(event, env)
    now = view.now if view.now else time.time_ns() // 1_000_000
    lanes = settings.lanes
    declared = list(dict.fromkeys([*lanes["concurrent"], *lanes["exclusive"]]))
    held = {x.lane.casefold(): x for x in view.leases}
    mine = [x for x in view.leases if who.owns(x)]
    theirs = [x for x in view.leases if not who.owns(x)]
    free = [lane for lane in lanes["concurrent"] if lane.casefold() not in held]
    lines = ["DOS referees this repository: before editing files, take a lane (a region of the tree); "
             "an edit inside another agent's lane is refused."]
    if mine:
        lines.append("You hold: " + ", ".join(f"'{x.lane}' (fence {x.fence}, {_until(x.expires_ms, now)} left)"
                                              for x in mine[:MAX_LISTED]) + ".")
    if theirs:
        shown = ", ".join(f"'{x.lane}' ({', '.join(x.tree) or 'unknown region'}) by {holder_label(x)} for "
                          f"{_until(x.expires_ms, now)}" for x in theirs[:MAX_LISTED])
        more = f" and {len(theirs) - MAX_LISTED} more" if len(theirs) > MAX_LISTED else ""
        lines.append(f"Held by others, do not write there: {shown}{more}.")
    if free:
        trees = lanes["trees"]
        lines.append("Free: " + ", ".join(f"'{lane}' ({', '.join(trees.get(lane, ())) or 'no tree'})"
                                          for lane in free[:MAX_LISTED]) + ".")
    elif declared:
        lines.append("No concurrent lane is free right now; wait for one, or ask the operator.")
    owner = event.session or "<your-name>"
    example = free[0] if free else "LANE"
    lines.append(f"Take one with: dos lease-lane acquire --lane {example} --owner {owner} --session {owner}  "
                 f"(release it with: dos lease-lane release --lane {example} --owner {owner}).")
    return Decision(Verdict("allow", "CONTEXT", reason="\n".join(lines)))
