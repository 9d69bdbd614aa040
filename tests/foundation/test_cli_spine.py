"""The CLI spine: help, version, errors as one line, exit codes, pipes, colour, lazy imports."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from dos.cli._registry import FAMILIES, VERBS
from dos.exitcodes import EXIT_CODES


def test_top_help_groups_every_verb_by_family(run_dos) -> None:
    out = run_dos("--help")
    assert out.returncode == 0
    for title in FAMILIES.values():
        assert title in out.stdout
    for verb in VERBS:
        assert f"  {verb} " in out.stdout


def test_no_verb_prints_help_and_exits_2(run_dos) -> None:
    out = run_dos()
    assert out.returncode == 2 and "usage: dos" in out.stdout


def test_version(run_dos) -> None:
    from dos import __version__

    out = run_dos("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"dos {__version__}"


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_every_verb_has_help(verb: str) -> None:
    """Each registered verb's module exists and builds its parser."""
    from dos.cli import build_verb_parser

    parser, _ = build_verb_parser(verb)
    assert parser.format_help().startswith(f"usage: dos {verb}")


def test_unknown_verb_is_one_line_with_a_suggestion(run_dos) -> None:
    out = run_dos("verfy")
    assert out.returncode == 2
    assert out.stderr == "error: dos: unknown verb 'verfy' (did you mean 'verify'?)\n"


def test_bad_flag_is_one_line_exit_2(run_dos, tmp_path: Path) -> None:
    out = run_dos("lint", "--nope", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and out.stderr.startswith("error: dos lint:")
    assert "Traceback" not in out.stderr


def test_workspace_flag_before_or_after_the_verb(run_dos, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    before = run_dos("--workspace", str(ws), "doctor", "--json", cwd=tmp_path)
    after = run_dos("doctor", "--json", "--workspace", str(ws), cwd=tmp_path)
    assert before.returncode == after.returncode == 0
    assert json.loads(before.stdout)["workspace"] == json.loads(after.stdout)["workspace"] == str(ws.resolve())


def test_malformed_config_is_exit_2_without_traceback(run_dos, tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text("[stamp]\nsubjet_dirs = []\n")
    out = run_dos("doctor", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr == ("error: dos.toml: [stamp] unknown key 'subjet_dirs' "
                          "(did you mean 'subject_dirs'?)\n")


def test_closed_pipe_is_quiet(tmp_path: Path, dos_env) -> None:
    """`dos exit-codes | head -0`: the reader is gone before we write; no traceback."""
    r, w = os.pipe()
    os.close(r)
    proc = subprocess.run([sys.executable, "-m", "dos", "exit-codes"], stdout=w, stderr=subprocess.PIPE,
                          env=dos_env(), cwd=tmp_path, text=True)
    os.close(w)
    assert proc.returncode == 141
    assert proc.stderr == ""


def _run_on_tty(args: list[str], cwd: Path, env: dict[str, str]) -> bytes:
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dos", *args], stdout=slave, stderr=slave,
                            env=env, cwd=cwd)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait()
    os.close(master)
    return b"".join(chunks)


def test_colour_on_a_tty_and_no_colour_with_NO_COLOR(tmp_path: Path, dos_env) -> None:
    coloured = _run_on_tty(["doctor"], tmp_path, dos_env())
    plain = _run_on_tty(["doctor"], tmp_path, dos_env({"NO_COLOR": "1"}))
    assert b"\x1b[" in coloured
    assert b"\x1b[" not in plain
    assert b"workspace root" in plain


def test_no_colour_when_piped(run_dos, tmp_path: Path) -> None:
    assert "\x1b[" not in run_dos("doctor", cwd=tmp_path).stdout


def test_help_imports_no_verb_module(dos_env) -> None:
    code = ("import sys, io, contextlib\nfrom dos.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()): main(['--help'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('dos.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dos_env())
    loaded = eval(out.stdout)  # a list literal printed above
    assert loaded == ["dos._version", "dos.cli", "dos.cli._registry", "dos.errors", "dos.exitcodes"], loaded


def test_exit_codes_table_json(run_dos) -> None:
    out = run_dos("exit-codes", "--json")
    table = json.loads(out.stdout)
    assert table["verify"] == {"shipped": 0, "not_shipped": 1, "contract_error": 2}
    assert set(table) == set(EXIT_CODES)
    assert all(codes["contract_error"] == 2 for codes in table.values())


def test_exit_codes_for_one_verb_and_for_a_non_verdict_verb(run_dos) -> None:
    one = run_dos("exit-codes", "liveness", "--json")
    assert json.loads(one.stdout) == {"liveness": {"ADVANCING": 0, "SPINNING": 3, "STALLED": 4,
                                                   "unknown": 5, "contract_error": 2}}
    bad = run_dos("exit-codes", "init")
    assert bad.returncode == 2 and "has no verdict codes" in bad.stderr
