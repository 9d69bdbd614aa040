"""docs/config.md and docs/cli.md are generated from the code; a stale copy fails here."""

from __future__ import annotations

import subprocess
import sys

from dos.cli.reference import cli_markdown, config_markdown
from dos.config import schema
from dos.kernel import table as tables
from tests.conftest import dos_env


def test_generated_docs_are_current() -> None:
    out = subprocess.run([sys.executable, "-m", "dos.cli.reference", "--check"], capture_output=True, text=True,
                         env=dos_env())
    assert out.returncode == 0, out.stderr


def test_every_key_is_documented_with_a_meaning() -> None:
    text = config_markdown()
    for name, (cls, how) in schema.TABLES.items():
        if how == "free":
            continue
        for f in tables.fields(cls):
            assert f.metadata.get("doc"), f"[{name}] {f.name} has no meaning"
            assert f"`{f.metadata.get('key', f.name)}`" in text


def test_every_verb_is_in_the_cli_reference() -> None:
    from dos.cli._registry import VERBS

    text = cli_markdown()
    assert all(f"### `dos {v}`" in text for v in VERBS)
