"""The ``null`` notifier: renders, sends nothing (the default ``--notifier``)."""

from __future__ import annotations

from dos.notifiers import Notification, NotifyResult


class NullNotifier:
    name = "null"

    def __init__(self, dry_run: bool = False) -> None:
        self.dry_run = dry_run

    def check(self) -> str:
        return ""

    def send(self, note: Notification) -> NotifyResult:
        return NotifyResult(False, "null sink (no transport configured)")
