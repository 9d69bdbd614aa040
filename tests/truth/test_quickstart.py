"""`dos quickstart`: shows the contrast with real exit codes and leaves nothing behind."""

from __future__ import annotations

import subprocess


def test_quickstart_shows_both_verdicts_and_cleans_up(tmp_path, run_dos):
    env = {"TMPDIR": str(tmp_path)}
    out = run_dos("quickstart", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    assert "SHIPPED AUTH AUTH1" in out.stdout and "-> exit 0" in out.stdout
    assert "NOT_SHIPPED AUTH AUTH2 (via none)" in out.stdout and "-> exit 1" in out.stdout
    assert "agent-1 -> lane main: granted" in out.stdout
    assert "agent-2 -> lane main: REFUSED while agent-1 holds it; after agent-1 releases: granted" in out.stdout
    assert list(tmp_path.iterdir()) == []


def test_quickstart_keep(tmp_path, run_dos):
    keep = tmp_path / "demo"
    out = run_dos("quickstart", "--keep", str(keep), cwd=tmp_path)
    assert out.returncode == 0
    log = subprocess.run(["git", "-C", str(keep), "log", "--format=%s"], capture_output=True, text=True).stdout
    assert log == "AUTH1: ship login\n"
    again = run_dos("quickstart", "--keep", str(keep), cwd=tmp_path)
    assert again.returncode == 2 and "not empty" in again.stderr
