"""Recorded host payloads in, the exact envelope and exit code out, for every host and outcome.

Regenerate after a deliberate change with ``HOOKS_REGEN_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hooks.hookkit import FIXTURES, call_hook, load_fixture

CASES = sorted(FIXTURES.glob("*/*.json"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_golden_envelope(path: Path, ws: Path) -> None:
    """The host's payload gives exactly the recorded envelope, stderr and exit code."""
    fx = load_fixture(path, ws)
    for _ in range(fx.get("repeat", 1)):  # e.g. the third identical step is the first REPEATING
        got = call_hook(fx["verb"], fx["payload"], dialect=path.parent.name)
    actual = {"stdout": got.envelope, "exit": got.code, "stderr": got.stderr}
    if os.environ.get("HOOKS_REGEN_GOLDEN"):
        raw = json.loads(path.read_text())
        raw["expect"] = json.loads(json.dumps(actual).replace(str(ws), "$WS"))
        path.write_text(json.dumps(raw, indent=2) + "\n")
        return
    assert actual == fx["expect"]
    if got.stdout:
        assert got.stdout.endswith("\n") and got.stdout.count("\n") == 1, "one line of JSON"
        assert got.stdout.isascii()


def test_every_host_has_allow_deny_warn_and_stop_block() -> None:
    """Each host's fixtures cover the four outcomes the issue asks for."""
    for host in ("claude-code", "codex", "cursor", "gemini", "antigravity"):
        names = {p.stem for p in (FIXTURES / host).glob("*.json")}
        assert {"allow", "deny", "warn", "stop_block"} <= names, host
