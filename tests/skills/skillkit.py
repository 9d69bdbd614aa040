"""Skill test helpers: a real workspace (git repo, dos.toml, a plan doc, a declared run) and the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Repo, dos_env

DOS_TOML = """[lanes]
concurrent = ["src", "docs"]
exclusive = ["global"]

[lanes.trees]
src = ["src/**"]
docs = ["docs/**"]
global = ["**/*"]

[paths]
plans_glob = "docs/**/*-plan.md"
"""
PLAN_DOC = """# Auth plan

## 1. AUTH AUTH1 — login form
Status: SHIPPED

## 2. AUTH AUTH2 — sessions
Not started.

## 3. AUTH AUTH3 — logout
Not started.
"""
# Every host directory DOS knows a skill format for, so `dos init` detects them all.
HOST_DIRS = (".claude", ".codex", ".cursor", ".gemini", ".agents")


def dos(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI in ROOT."""
    return subprocess.run([sys.executable, "-m", "dos", *args], cwd=root, text=True, capture_output=True,
                          env=dos_env(env), timeout=300)


def shim(bin_dir: Path) -> Path:
    """A ``dos`` on PATH that runs this interpreter's DOS, as an agent's shell would find it."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    exe = bin_dir / "dos"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m dos "$@"\n')
    exe.chmod(0o755)
    return bin_dir


def run_line(root: Path, line: str, env: dict[str, str], bin_dir: Path) -> subprocess.CompletedProcess[str]:
    """LINE as an agent runs it: through /bin/sh in the workspace, with the playbook's names set."""
    full = dos_env({**env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    return subprocess.run(["/bin/sh", "-c", line], cwd=root, text=True, capture_output=True, env=full, timeout=300)


def base_workspace(repo: Repo) -> Path:
    """Lanes src and docs, a plan doc whose AUTH1 git backs, every host's directory."""
    repo.write("dos.toml", DOS_TOML)
    repo.write("src/app.py", "a\n")
    repo.write("docs/guide.md", "# guide\n")
    repo.write("docs/auth-plan.md", PLAN_DOC)
    repo.commit("layout")
    repo.commit("AUTH AUTH1: login form", {"src/login.py": "login\n"})
    for d in HOST_DIRS:
        (repo.path / d).mkdir(exist_ok=True)
    return repo.path


def declare_run(root: Path, steps: tuple[str, ...], session: str) -> tuple[str, str]:
    """Mint a run and declare STEPS for it; (run id, writer token)."""
    minted = dos(root, "run-id", "mint", "dispatch")
    assert minted.returncode == 0, minted.stderr
    rid = json.loads(minted.stdout)["run_id"]
    args = ["intent", "declare", "--run-id", rid, "--goal", "sessions", "--plan", "AUTH", "--phase", "AUTH2",
            "--session", session, "--json"]
    for s in steps:
        args += ["--step", s]
    declared = dos(root, *args)
    assert declared.returncode == 0, declared.stdout + declared.stderr
    return rid, json.loads(declared.stdout)["writer_token"]
