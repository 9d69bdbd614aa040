"""The README's commands and example are the real ones."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    commands = [b.strip() for b in _blocks("sh") if "pytest" in b]
    assert len(commands) == 1
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[0] in ci


def test_readme_main_job_is_quickstart() -> None:
    first = _blocks("sh")[0].strip()
    assert first.endswith("dos quickstart")


def test_python_example_runs(tmp_path: Path, dos_env) -> None:
    (tmp_path / "dos.toml").write_text('[lanes]\nconcurrent = ["api"]\n[lanes.trees]\napi = ["api/**"]\n')
    code = _blocks("python")[0] + "\nassert got.granted, got.to_dict()\n" \
        "assert dos.leases.live() == [], 'released'\nprint(got.lease.fence)\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         env=dos_env({"DISPATCH_WORKSPACE": str(tmp_path)}))
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= 1
