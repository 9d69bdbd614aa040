"""The ``statsd`` exporter: one DogStatsD counter per (syscall, verdict) over UDP.

``dos.verdict:<count>|c|#syscall:<s>,verdict:<v>``, one datagram each. Tag values are
sanitised (agents choose lane names and subjects; nothing they write reaches a tag unescaped).
"""

from __future__ import annotations

import socket
from typing import Any, Mapping, Sequence

from dos.exporters import ExportResult, last_seq, sanitize_tag


class StatsdExporter:
    name = "statsd"

    def __init__(self, host: str = "127.0.0.1", port: int = 8125, dry_run: bool = False,
                 metric: str = "dos.verdict") -> None:
        self.host = host or "127.0.0.1"
        self.port = int(port or 8125)
        self.dry_run = dry_run
        self.metric = metric

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    def check(self) -> str:
        try:
            socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)
        except OSError as exc:
            return f"cannot resolve {self.host}: {exc}"
        return ""

    def lines(self, events: Sequence[Mapping[str, Any]]) -> list[str]:
        counts: dict[tuple[str, str], int] = {}
        for e in events:
            key = (sanitize_tag(e.get("syscall", "")), sanitize_tag(e.get("verdict", "")))
            counts[key] = counts.get(key, 0) + 1
        return [f"{self.metric}:{n}|c|#syscall:{s},verdict:{v}" for (s, v), n in sorted(counts.items())]

    def export(self, events: Sequence[Mapping[str, Any]]) -> ExportResult:
        lines = self.lines(events)
        where = f"{self.host}:{self.port}"
        if self.dry_run:
            problem = self.check()
            if problem:
                return ExportResult(0, f"[dry-run] would fail: {problem}", last_seq(events), ok=False)
            return ExportResult(0, f"[dry-run] would send {len(lines)} counter(s) for {len(events)} event(s) "
                                   f"to {where}", last_seq(events))
        try:
            info = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
            with socket.socket(info[0], socket.SOCK_DGRAM) as sock:
                for line in lines:
                    sock.sendto(line.encode("ascii"), info[4])
        except OSError as exc:
            return ExportResult(0, f"cannot send to {where}: {exc}", "", ok=False)
        return ExportResult(len(events), f"sent {len(lines)} counter(s) for {len(events)} event(s) to {where}",
                            last_seq(events))
