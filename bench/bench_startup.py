"""Start-up of `dos --help` and `dos doctor` against bare `python3 -c pass` (and the reference with DOS_REF)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from run import Case, dos_cmd, ref_cmd


def cases(tmp: Path) -> list[Case]:
    ws = tmp / "ws"
    (ws / "src").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    out = [
        Case("python3 -c pass", [sys.executable, "-c", "pass"], baseline=True),
        Case("dos --help", [*dos_cmd(), "--help"]),
        Case("dos doctor", [*dos_cmd(), "doctor"], cwd=ws),
        Case("dos doctor --json", [*dos_cmd(), "doctor", "--json"], cwd=ws),
    ]
    ref = ref_cmd()
    if ref:
        out += [
            Case("reference dos --help", [*ref, "--help"]),
            Case("reference dos doctor", [*ref, "doctor"], cwd=ws),
            Case("reference dos doctor --json", [*ref, "doctor", "--json"], cwd=ws),
        ]
    return out
