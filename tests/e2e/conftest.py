"""Fixtures for the real-CLI e2e tests: the pinned agent CLIs, and a fresh DOS workspace per test.

The CLIs come from ``.ci/install-agent-clis`` (npm, and PyPI through ``.ci/install-agent-pypi``;
cached outside the checkout). When the registry cannot be reached the tests skip with the script's one line, or fail with it
when ``CI`` is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The harness modules sit beside this file; make them importable whether or not tests/ is a package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2ekit import TIMINGS, Workspace, make_workspace  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
INSTALL = ROOT / ".ci" / "install-agent-clis"
# Captured at import, before the suite's autouse fixture points HOME at a temp dir: the CLI
# cache (and npm's own cache) belong to the real user, so a second session reuses them.
REAL_HOME = os.environ.get("HOME", "")
ENV_AT_IMPORT = dict(os.environ)  # DOS_E2E_* knobs survive the suite's scrubbing of DOS_ variables
UNREACHABLE = 69  # the install script's exit code when the npm registry cannot be reached


def _install() -> subprocess.CompletedProcess[str]:
    env = dict(ENV_AT_IMPORT)
    if REAL_HOME:
        env["HOME"] = REAL_HOME
    return subprocess.run(["bash", str(INSTALL)], env=env, text=True, capture_output=True,
                          timeout=float(os.environ.get("DOS_E2E_INSTALL_WAIT", "900")), stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def agent_clis() -> dict[str, Path]:
    """name -> executable of every pinned CLI (claude, codex, gemini, qwen, opencode, kilo, copilot, droid, cline
    from npm; hermes, vibe and openhands from PyPI), installed if need be."""
    try:
        proc = _install()
    except subprocess.TimeoutExpired:
        pytest.fail("install-agent-clis did not finish in time", pytrace=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode == UNREACHABLE:
        why = lines[-1] if lines else "install-agent-clis: the npm registry cannot be reached"
        if os.environ.get("CI"):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    if proc.returncode != 0:
        pytest.fail(f"install-agent-clis failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
                    pytrace=False)
    found: dict[str, Path] = {}
    for ln in lines:
        name, _version, _status, exe = ln.split(" ", 3)
        found[name] = Path(exe)
    missing = [n for n in ("claude", "codex", "gemini") if n not in found or not os.access(found[n], os.X_OK)]
    if missing:
        pytest.fail(f"install-agent-clis did not report {missing}:\n{proc.stdout}", pytrace=False)
    return found


@pytest.fixture(scope="session")
def qwen_cli(agent_clis) -> Path:
    """The pinned Qwen Code executable (installed with the others; missing is a failure, never a skip)."""
    exe = agent_clis.get("qwen")
    if exe is None or not os.access(exe, os.X_OK):
        pytest.fail(f"install-agent-clis did not report an executable qwen: {exe}", pytrace=False)
    return exe


@pytest.fixture(scope="session")
def opencode_cli(agent_clis) -> Path:
    """The pinned OpenCode executable (installed with the others; missing is a failure, never a skip)."""
    exe = agent_clis.get("opencode")
    if exe is None or not os.access(exe, os.X_OK):
        pytest.fail(f"install-agent-clis did not report an executable opencode: {exe}", pytrace=False)
    return exe


def _pinned(agent_clis: dict[str, Path], name: str) -> Path:
    exe = agent_clis.get(name)
    if exe is None or not os.access(exe, os.X_OK):
        pytest.fail(f"install-agent-clis did not report an executable {name}: {exe}", pytrace=False)
    return exe


@pytest.fixture(scope="session")
def kilo_cli(agent_clis) -> Path:
    """The pinned Kilo Code CLI (``kilo``), installed with the others; missing is a failure, never a skip."""
    return _pinned(agent_clis, "kilo")


@pytest.fixture(scope="session")
def copilot_cli(agent_clis) -> Path:
    """The pinned GitHub Copilot CLI (``copilot``), installed with the others; missing is a failure."""
    return _pinned(agent_clis, "copilot")


@pytest.fixture(scope="session")
def droid_cli(agent_clis) -> Path:
    """The pinned Factory Droid CLI (``droid``), installed with the others; missing is a failure."""
    return _pinned(agent_clis, "droid")


@pytest.fixture(scope="session")
def hermes_cli(agent_clis) -> Path:
    """The pinned Hermes Agent (``hermes``, from PyPI in its own venv); missing is a failure, never a skip."""
    return _pinned(agent_clis, "hermes")


@pytest.fixture(scope="session")
def vibe_cli(agent_clis) -> Path:
    """The pinned Mistral Vibe (``vibe``, from PyPI in a Python 3.12 venv); missing is a failure, never a skip."""
    return _pinned(agent_clis, "vibe")


@pytest.fixture(scope="session")
def openhands_cli(agent_clis) -> Path:
    """The pinned OpenHands CLI (``openhands``, from PyPI in a Python 3.12 venv); missing is a failure."""
    return _pinned(agent_clis, "openhands")


@pytest.fixture(scope="session")
def codebuddy_cli(agent_clis) -> Path:
    """The pinned CodeBuddy Code binary (from PyPI's codebuddy-agent-sdk, in its own venv); missing is a failure."""
    return _pinned(agent_clis, "codebuddy")


@pytest.fixture(scope="session")
def goose_cli(agent_clis) -> Path:
    """The pinned Goose binary (npm's @aaif/goose-binary-linux-x64); missing is a failure, never a skip."""
    return _pinned(agent_clis, "goose")


@pytest.fixture(scope="session")
def cn_cli(agent_clis) -> Path:
    """The pinned Continue CLI (``cn``); missing is a failure, never a skip."""
    return _pinned(agent_clis, "continue")


@pytest.fixture(scope="session")
def cline_cli(agent_clis) -> Path:
    """The pinned Cline CLI (``cline``), installed with the others; missing is a failure, never a skip."""
    return _pinned(agent_clis, "cline")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A git repo with ``dos init`` (lanes api, web) and a live lease on api held by bob."""
    return make_workspace(tmp_path)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    if TIMINGS and os.environ.get("DOS_E2E_TIMINGS"):
        terminalreporter.write_sep("-", "e2e CLI wall times")
        for test, host, seconds in TIMINGS:
            terminalreporter.write_line(f"{seconds:6.1f}s  {host:12s} {test}")
