"""The ``prometheus`` exporter and the text exposition format the web server's ``/metrics`` serves.

Prometheus pulls cumulative counters, so this exporter writes the journal's totals (not the
batch): to a textfile for node_exporter's textfile collector (``--path``, written atomically),
or to a Pushgateway (``--endpoint``).
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

from dos.exporters import ExportResult, last_seq


def _label(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(totals: Mapping[tuple[str, str], int], *, head_seq: int = 0, live_leases: int | None = None,
           cursors: Sequence[tuple[str, int]] = (), compacted: int = 0) -> str:
    """The exposition text: ``dos_verdicts_total{syscall,verdict}`` plus a few gauges."""
    lines = ["# HELP dos_verdicts_total Verdicts the DOS referee rendered, by syscall and verdict token.",
             "# TYPE dos_verdicts_total counter"]
    for (syscall, verdict), n in sorted(totals.items()):
        lines.append(f'dos_verdicts_total{{syscall="{_label(syscall)}",verdict="{_label(verdict)}"}} {int(n)}')
    lines += ["# HELP dos_journal_seq The newest verdict-journal seq.", "# TYPE dos_journal_seq gauge",
              f"dos_journal_seq {int(head_seq)}",
              "# HELP dos_journal_compacted Verdicts folded into checkpoints by retention.",
              "# TYPE dos_journal_compacted gauge", f"dos_journal_compacted {int(compacted)}"]
    if live_leases is not None:
        lines += ["# HELP dos_live_leases Lane leases live now.", "# TYPE dos_live_leases gauge",
                  f"dos_live_leases {int(live_leases)}"]
    if cursors:
        lines += ["# HELP dos_export_cursor The last journal seq each exporter shipped.",
                  "# TYPE dos_export_cursor gauge"]
        lines += [f'dos_export_cursor{{exporter="{_label(name)}"}} {int(seq)}' for name, seq in cursors]
    return "\n".join(lines) + "\n"


class PrometheusExporter:
    name = "prometheus"

    def __init__(self, path: str = "", endpoint: str = "", text: str = "", dry_run: bool = False,
                 root: str = "", timeout: float = 10.0) -> None:
        self.path = path
        self.endpoint = endpoint.rstrip("/")
        self.text = text
        self.dry_run = dry_run
        self.root = root
        self.timeout = timeout

    @property
    def target(self) -> str:
        return self.endpoint or self.path

    def check(self) -> str:
        if self.endpoint:
            return "" if self.endpoint.startswith(("http://", "https://")) else (
                f"endpoint {self.endpoint!r} is not an http(s):// Pushgateway URL")
        if not self.path:
            return "no textfile to write: pass --path or set [observe] prometheus_file"
        parent = os.path.dirname(os.path.abspath(self.path))
        return "" if os.path.isdir(parent) or not os.path.exists(parent) else f"{parent} is not a directory"

    def export(self, events: Sequence[Mapping[str, Any]]) -> ExportResult:
        problem = self.check()
        where = self.target
        if self.dry_run:
            if problem:
                return ExportResult(0, f"[dry-run] would fail: {problem}", last_seq(events), ok=False)
            return ExportResult(0, f"[dry-run] would write the journal's totals to {where}", last_seq(events))
        if problem:
            return ExportResult(0, problem, "", ok=False)
        why = self._push() if self.endpoint else self._write()
        if why:
            return ExportResult(0, why, "", ok=False)
        return ExportResult(len(events), f"wrote the journal's totals ({len(events)} new event(s)) to {where}",
                            last_seq(events))

    def _write(self) -> str:
        parent = os.path.dirname(os.path.abspath(self.path))
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(parent, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(self.text)
            os.replace(tmp, self.path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return f"cannot write {self.path}: {exc.strerror}"
        return ""

    def _push(self) -> str:
        import urllib.error
        import urllib.parse
        import urllib.request

        instance = urllib.parse.quote(os.path.basename(self.root.rstrip("/")) or "dos", safe="")
        url = f"{self.endpoint}/metrics/job/dos/instance/{instance}"
        req = urllib.request.Request(url, data=self.text.encode("utf-8"), method="PUT",
                                     headers={"Content-Type": "text/plain; version=0.0.4"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            return f"{url} answered HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            return f"cannot reach {url} ({getattr(exc, 'reason', exc)})"
        return ""
