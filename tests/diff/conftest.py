"""Fixtures for the differential tests: the two commands, this project's and dos-kernel 0.22.0's.

The reference is installed by ``.ci/install-reference`` into a venv outside the checkout
(``${DOS_REF_CACHE:-$HOME/.cache/dos-ref}/0.22.0``). When it cannot be installed, every
differential test is skipped with the script's one-line reason, or fails with it when
the environment variable ``CI`` is set.

``DOS_DIFF_OURS`` (a shell-quoted command) replaces this project's command, e.g. to run
the table against another checkout's ``src`` without installing it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / ".ci" / "install-reference"
# Captured at import, before the suite's autouse fixture points HOME at a temp dir and
# drops DOS_* variables: the reference cache lives in the real home.
_ENV_AT_IMPORT = dict(os.environ)


@dataclass(frozen=True)
class DiffCommands:
    ours: tuple[str, ...]
    ref: tuple[str, ...]
    drop_path: tuple[str, ...]     # PATH entries neither side may see (both venvs' bin dirs)


def our_command() -> tuple[str, ...]:
    override = _ENV_AT_IMPORT.get("DOS_DIFF_OURS", "").strip()
    if override:
        return tuple(shlex.split(override))
    script = Path(sys.executable).with_name("dos")
    return (str(script),) if script.exists() else (sys.executable, "-m", "dos")


def install_reference() -> tuple[str | None, str]:
    """Run .ci/install-reference; (path of the reference's dos, or None; the script's line)."""
    env = {k: v for k, v in _ENV_AT_IMPORT.items() if not k.startswith("PYTHON")}
    try:
        p = subprocess.run([str(INSTALL)], env=env, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"install-reference: could not run {INSTALL}: {e}"
    lines = [ln for ln in (p.stdout + "\n" + p.stderr).splitlines() if ln.strip()]
    line = lines[-1] if lines else f"install-reference exited {p.returncode} and printed nothing"
    if p.returncode != 0:
        return None, line
    dos = line.rsplit(": ", 1)[-1].strip()
    if not os.access(dos, os.X_OK):
        return None, f"install-reference printed {line!r}, but {dos} is not executable"
    return dos, line


@pytest.fixture(scope="session")
def diff_cmds() -> DiffCommands:
    dos, line = install_reference()
    if dos is None:
        if _ENV_AT_IMPORT.get("CI"):
            pytest.fail(line, pytrace=False)
        pytest.skip(line)
    ours = our_command()
    drop = tuple(sorted({str(Path(dos).parent), str(Path(sys.executable).parent)}))
    return DiffCommands(ours=ours, ref=(dos,), drop_path=drop)
