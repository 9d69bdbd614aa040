"""The ``null`` exporter: reports what is pending and ships nothing (the default ``--to``)."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from dos.exporters import ExportResult, last_seq


class NullExporter:
    name = "null"
    target = ""
    persists = False  # a report-only sink never moves a cursor

    def __init__(self, dry_run: bool = False) -> None:
        self.dry_run = dry_run

    def check(self) -> str:
        return ""

    def export(self, events: Sequence[Mapping[str, Any]]) -> ExportResult:
        return ExportResult(0, f"null sink (no transport configured) — {len(events)} event(s) not shipped",
                            last_seq(events))
