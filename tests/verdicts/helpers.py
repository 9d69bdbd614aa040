"""Shared inputs for the small-verdict tests: a two-lane workspace and a JSON-reading CLI runner."""

from __future__ import annotations

import json
from typing import Any

LANES_TOML = """[lanes]
concurrent = ["api", "web"]
exclusive = ["global"]
autopick = ["api", "web"]
aliases = { backend = "api" }

[lanes.trees]
api = ["src/api/**"]
web = ["src/web/**"]
global = ["**/*"]
"""


def two_lanes(repo) -> Any:
    """REPO with a dos.toml declaring lanes api, web and global, and one commit."""
    repo.write("dos.toml", LANES_TOML)
    repo.commit("init", {"README.md": "x\n"})
    return repo


def as_json(proc) -> Any:
    assert proc.stdout.strip(), f"no output; stderr: {proc.stderr}"
    return json.loads(proc.stdout)


def one_line_error(proc) -> str:
    """The single stderr line of a usage failure (and nothing on stdout)."""
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    return lines[0]
