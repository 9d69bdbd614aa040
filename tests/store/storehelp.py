"""Helpers shared by the store tests (imported as ``storehelp``)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path


def write_lanes(root: Path, lanes: dict[str, list[str]], *, exclusive: tuple[str, ...] = (),
                autopick: bool = False, extra: str = "") -> Path:
    """A dos.toml declaring LANES (concurrent unless named in EXCLUSIVE)."""
    root.mkdir(parents=True, exist_ok=True)
    conc = [n for n in lanes if n not in exclusive]
    lines = ["[lanes]", f"concurrent = {json.dumps(conc)}", f"exclusive = {json.dumps(list(exclusive))}",
             f"autopick = {json.dumps(conc if autopick else [])}", "[lanes.trees]"]
    lines += [f"{json.dumps(n)} = {json.dumps(t)}" for n, t in lanes.items()]
    (root / "dos.toml").write_text("\n".join(lines) + "\n" + extra)
    return root


def wait_for(path: Path, proc: subprocess.Popen[str] | None = None, limit_s: float = 60.0) -> None:
    """Block until PATH exists (a worker's readiness signal); fail if the worker died first."""
    deadline = time.monotonic() + limit_s
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited early ({proc.returncode}): {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"worker never signalled {path.name}")
        time.sleep(0.005)
