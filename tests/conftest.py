"""Fixtures shared by the whole suite: isolated environment, real git repos, the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
pytest_plugins = ["tests.pgserver", "tests.screens.kit", "tests.web.kit"]  # PostgreSQL; fleet_ws and serve


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's git identity, DOS variables or home."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = DOS Test\n\temail = test@dos.invalid\n"
                         "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
    for var in list(os.environ):
        if var.startswith(("DISPATCH_", "DOS_", "CID_", "GIT_")) and var != "DOS_TEST_PG_URL":
            monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)  # the hook's settings cache goes under HOME instead
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("DISPATCH_HOME", str(home / "dos-home"))


@dataclass
class Repo:
    """A real git repository in a temporary directory."""

    path: Path
    _n: int = field(default=0)

    def git(self, *args: str, input: str | None = None) -> str:
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, text=True,
                              capture_output=True, input=input).stdout

    def write(self, rel: str, text: str = "x\n") -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        return p

    def commit(self, subject: str, files: Mapping[str, str] | None = None, body: str = "") -> str:
        """Commit FILES (default: one fresh file) with SUBJECT and BODY; return the sha."""
        self._n += 1
        for rel, text in (files or {f"f{self._n}.txt": f"{self._n}\n"}).items():
            self.write(rel, text)
        self.git("add", "-A")
        msg = subject + (f"\n\n{body}" if body else "")
        self.git("commit", "-q", "--allow-empty", "-F", "-", input=msg)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Repo]:
    """Factory: ``make_repo("name")`` gives a fresh, empty git repository."""

    def make(name: str = "repo") -> Repo:
        path = tmp_path / name
        path.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
        return Repo(path.resolve())

    return make


@pytest.fixture
def repo(make_repo: Callable[..., Repo]) -> Repo:
    return make_repo()


def dos_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra or {})
    return env


@pytest.fixture
def run_dos() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real CLI in a subprocess: ``run_dos("verify", "A", "A1", cwd=repo.path)``."""

    def run(*args: str, cwd: Path | str | None = None, input: str | None = None,
            env: Mapping[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "dos", *args], cwd=cwd, input=input, text=True,
                              capture_output=True, env=dos_env(env), timeout=timeout)

    return run


@pytest.fixture(name="dos_env")
def dos_env_fixture() -> Callable[..., dict[str, str]]:
    """``dos_env(extra)``: the environment the real CLI runs with in tests."""
    return dos_env
