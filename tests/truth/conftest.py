"""Histories for the truth tests, built with git fast-import (thousands of commits in well under a second)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterable, Mapping

import pytest


def fast_history(path: Path, commits: Iterable[tuple[str, str, Mapping[str, str]]], *,
                 branch: str = "main") -> list[str]:
    """Create a repo at PATH (if needed) and append COMMITS (oldest first) to BRANCH.

    Each commit is ``(subject, body, files)``; FILES maps a path to its new content
    (empty mapping: an empty commit). Returns the full shas, oldest first.
    """
    path.mkdir(parents=True, exist_ok=True)
    if not (path / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", branch, str(path)], check=True)
    parent = subprocess.run(["git", "-C", str(path), "rev-parse", "--verify", "-q", f"refs/heads/{branch}"],
                            capture_output=True, text=True).stdout.strip()
    out: list[bytes] = []
    n = 0
    for n, (subject, body, files) in enumerate(commits, 1):
        msg = (subject + (f"\n\n{body}" if body else "") + "\n").encode()
        out.append(f"commit refs/heads/{branch}\nmark :{n}\n".encode())
        out.append(f"committer DOS Test <t@dos.invalid> {1_700_000_000 + n} +0000\n".encode())
        out.append(f"data {len(msg)}\n".encode() + msg)
        if n == 1 and parent:
            out.append(f"from {parent}\n".encode())
        for rel, text in files.items():
            data = text.encode()
            out.append(f"M 100644 inline {rel}\ndata {len(data)}\n".encode() + data + b"\n")
        out.append(b"\n")
    for i in range(1, n + 1):
        out.append(f"get-mark :{i}\n".encode())
    proc = subprocess.run(["git", "-C", str(path), "fast-import", "--quiet", "--done"],
                          input=b"".join(out) + b"done\n", capture_output=True, check=True)
    shas = proc.stdout.decode().split()
    subprocess.run(["git", "-C", str(path), "reset", "-q", "--hard", branch], check=True)
    return shas


@pytest.fixture(scope="session")
def fast_import():
    """The ``fast_history`` builder, as a fixture (usable from module-scoped fixtures too)."""
    return fast_history
