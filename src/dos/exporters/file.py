"""The ``file`` exporter: appends each event as one JSON line (the reference's verdict-journal shape).

Exactly once across a crash: before appending it reads the file's last line, and an event
that line already holds (same ``seq`` and chain ``hash``) and every event before it are not
written again; a torn last line (a write the crash cut short) is cut off first.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

from dos.exporters import ExportResult, last_seq

TAIL = 64 * 1024


class FileExporter:
    name = "file"

    def __init__(self, path: str = "", dry_run: bool = False) -> None:
        self.path = path
        self.dry_run = dry_run

    @property
    def target(self) -> str:
        return self.path

    def check(self) -> str:
        if not self.path:
            return "no file to append to: pass --path, set DOS_EXPORT_FILE or [observe] export_file"
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            return f"the directory of {self.path} does not exist"
        writable = os.access(self.path, os.W_OK) if os.path.exists(self.path) else os.access(parent, os.W_OK)
        if not writable:
            return f"{self.path} is not writable"
        return ""

    def export(self, events: Sequence[Mapping[str, Any]]) -> ExportResult:
        problem = self.check()
        if self.dry_run:
            if problem:
                return ExportResult(0, f"[dry-run] would fail: {problem}", last_seq(events), ok=False)
            return ExportResult(0, f"[dry-run] would append {len(events)} event(s) to {self.path}", last_seq(events))
        if problem:
            return ExportResult(0, problem, "", ok=False)
        from dos.kernel.jsonc import dumps

        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as exc:
            return ExportResult(0, f"cannot open {self.path}: {exc.strerror}", "", ok=False)
        try:
            skip = self._already_there(fd, events)
            fresh = events[skip:]
            data = "".join(dumps(dict(e), sort_keys=True) + "\n" for e in fresh).encode("utf-8")
            if data:
                os.write(fd, data)
                os.fsync(fd)
        except OSError as exc:
            return ExportResult(0, f"cannot append to {self.path}: {exc.strerror}", "", ok=False)
        finally:
            os.close(fd)
        again = f" ({skip} already there from an interrupted run)" if skip else ""
        return ExportResult(len(events), f"appended {len(fresh)} event(s) to {self.path}{again}", last_seq(events))

    @staticmethod
    def _already_there(fd: int, events: Sequence[Mapping[str, Any]]) -> int:
        """How many of EVENTS the file already ends with; cuts a torn last line off first."""
        from dos.kernel.jsonc import JSONError, loads

        size = os.fstat(fd).st_size
        if not size:
            return 0
        start = max(0, size - TAIL)
        tail = os.pread(fd, size - start, start)
        if not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            keep = start + cut + 1 if cut >= 0 else (0 if start == 0 else size)
            if keep != size:
                os.ftruncate(fd, keep)
                tail = tail[: cut + 1] if cut >= 0 else b""
        lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
        try:
            last = loads(lines[-1].decode("utf-8")) if lines and lines[-1] else None
        except (JSONError, UnicodeDecodeError):
            return 0
        if not isinstance(last, dict):
            return 0
        for i, e in enumerate(events):
            if e.get("seq") == last.get("seq") and e.get("hash") and e.get("hash") == last.get("hash"):
                return i + 1
        return 0
