"""The verdict journal: every verdict a surface renders, recorded once, here.

Every service function that reaches a verdict calls ``record``; surfaces never do. Until
the journal's store tables land this records nothing (the call sites are in place).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from dos.service.context import Context


def record(ctx: Context | None, syscall: str, verdict: Any, *, run_id: str = "", session: str = "",
           lane: str = "", subject: str = "", source: str = "kernel", tx: Any = None) -> None:
    """Journal VERDICT (a ``dos.kernel.verdict`` protocol value) for SYSCALL.

    TX: the store transaction that made the decision, when there is one, so the verdict
    and the decision commit together. Never raises for a journal fault on a read path.
    """
    return None
