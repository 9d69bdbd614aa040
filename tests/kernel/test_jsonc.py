"""The hook's JSON (the C accelerator without ``json``) reads and writes exactly what ``json`` does."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from hypothesis import given, strategies as st

from dos.kernel import jsonc
from tests.conftest import dos_env

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
VALUES = st.recursive(SCALARS, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(), kids, max_size=4),
                      max_leaves=25)


@given(VALUES, st.booleans(), st.booleans(), st.sampled_from([(", ", ": "), (",", ":")]))
def test_dumps_equals_json(value, sort_keys: bool, ascii_only: bool, separators) -> None:
    kw = dict(sort_keys=sort_keys, ensure_ascii=ascii_only, separators=separators)
    assert jsonc.dumps(value, **kw) == json.dumps(value, **kw)


@given(VALUES)
def test_loads_reads_what_json_wrote(value) -> None:
    assert jsonc.loads(json.dumps(value)) == value


@given(st.text(alphabet='[]{}",:0123456789.eE-+ \\tnulrfasxu\\\\', max_size=40))
def test_loads_fails_exactly_where_json_fails(text: str) -> None:
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError):
        try:
            jsonc.loads(text)
        except jsonc.JSONError:
            return
        raise AssertionError(f"jsonc accepted {text!r}")
    got = jsonc.loads(text)
    assert got == expected or (isinstance(got, float) and math.isnan(got))


def test_errors_in_a_fresh_interpreter_are_json_errors() -> None:
    """Where json.decoder was never imported the C scanner cannot build its error; jsonc still reports one."""
    code = ("from dos.kernel import jsonc\n"
            "for t in ['{\"a\": \"unterminated', '[1,', '{', '\"x\" y', '[' * 100000]:\n"
            "    try:\n        jsonc.loads(t)\n    except jsonc.JSONError as e:\n        print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dos_env())
    assert out.stdout.split() == ["ok"] * 5, out.stderr
