"""The neutral hook event the dialects build, and the decision a hook surface renders.

Cheap to import: every hook event goes through here.
"""

from __future__ import annotations

from dos.kernel.enforce import Identity
from dos.kernel.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.kernel.enforce import Verdict

PRE, POST, STOP, START = "pre", "post", "stop", "start"


class HookEvent(Record):
    """One tool call or stop request, whatever host sent it (the dialects build it)."""

    __slots__ = ("moment", "host", "event_name", "tool", "tool_input", "tool_response", "session", "cwd",
                 "stop_hook_active", "fence")
    _defaults = {"tool": "", "tool_input": {}, "tool_response": None, "session": "", "cwd": "",
                 "stop_hook_active": False, "fence": None}

    def to_dict(self) -> dict[str, Any]:
        return self.fields()


class Decision:
    """A verdict plus what the shell must say on stderr (a record that failed, a broken config)."""

    __slots__ = ("verdict", "notes", "detail")

    def __init__(self, verdict: Verdict, notes: list[str] | None = None, detail: dict[str, Any] | None = None) -> None:
        self.verdict = verdict
        self.notes = notes or []
        self.detail = detail or {}


def identity(event: HookEvent, env: Mapping[str, str]) -> Identity:
    return Identity(session=event.session, holder=env.get("DOS_HOLDER", "").strip())
