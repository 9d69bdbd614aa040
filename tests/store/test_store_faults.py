"""Store faults through the CLI: a read-only .dos/, a full disk, a file that is not a database.

Each gives one line on stderr and its own exit code (never 1, which means refuse), no
traceback, and no partial grant; read-only verbs still work on a read-only .dos/.
Tests run as root, which ignores file modes, so the faults are real mounts: a small
tmpfs (for a full disk) remounted read-only (for a read-only .dos/).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from dos.store.engine import StoreCorrupt, StoreFull, StoreReadOnly


@pytest.fixture
def tmpfs_state(tmp_path: Path) -> Iterator[Path]:
    """A workspace whose .dos/ is a 256 KiB tmpfs mount."""
    root = tmp_path / "ws"
    state = root / ".dos"
    state.mkdir(parents=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(state)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"these fault tests mount a small tmpfs and need root (or CAP_SYS_ADMIN): {r.stderr.strip()}")
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(state)], capture_output=True)


def _one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    return lines[0]


def _ws(root: Path) -> tuple[str, str]:
    return ("--workspace", str(root))


def test_read_only_state_dir_refuses_writes_and_serves_reads(run_dos, tmpfs_state: Path) -> None:
    root = tmpfs_state
    assert run_dos(*_ws(root), "lease-lane", "acquire", "--lane", "main", "--owner", "a").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(root / ".dos")], check=True)
    r = run_dos(*_ws(root), "lease-lane", "acquire", "--lane", "docs", "--owner", "b", "--tree", "docs/**")
    assert r.returncode == StoreReadOnly.exit_code
    assert "read" in _one_line_error(r) and r.stdout == ""
    r = run_dos(*_ws(root), "lease-lane", "release", "--lane", "main", "--owner", "a")
    assert r.returncode == StoreReadOnly.exit_code
    live = run_dos(*_ws(root), "lease-lane", "live")
    assert live.returncode == 0 and '"holder": "a"' in live.stdout
    replay = run_dos(*_ws(root), "journal", "replay")
    assert replay.returncode == 0 and '"holder": "a"' in replay.stdout
    assert run_dos(*_ws(root), "journal", "seq").stdout.strip() == "1"


def test_full_disk_is_its_own_error_and_grants_nothing(run_dos, tmpfs_state: Path) -> None:
    root = tmpfs_state
    assert run_dos(*_ws(root), "id-alloc", "allocate", "x").returncode == 0  # the store exists
    filler = root / ".dos" / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    r = run_dos(*_ws(root), "lease-lane", "acquire", "--lane", "main", "--owner", "a")
    assert r.returncode == StoreFull.exit_code
    assert "full" in _one_line_error(r)
    filler.unlink()
    assert run_dos(*_ws(root), "lease-lane", "live").stdout.strip() == "[]"
    again = run_dos(*_ws(root), "lease-lane", "acquire", "--lane", "main", "--owner", "a")
    assert again.returncode == 0, again.stderr


def test_a_store_file_that_is_not_a_database(run_dos, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / ".dos").mkdir(parents=True)
    (root / ".dos" / "store.sqlite3").write_bytes(b"this is not sqlite\n" * 200)
    for verb in (("lease-lane", "acquire", "--lane", "main", "--owner", "a"), ("lease-lane", "live"),
                 ("journal", "replay"), ("id-alloc", "allocate", "runs", "--start", "5")):
        r = run_dos(*_ws(root), *verb)
        assert r.returncode == StoreCorrupt.exit_code, (verb, r.stderr)
        assert "not a DOS database" in _one_line_error(r)
        assert r.stdout == ""


def test_fault_codes_are_distinct_and_never_the_refusal_code() -> None:
    codes = {StoreReadOnly.exit_code, StoreFull.exit_code, StoreCorrupt.exit_code}
    assert len(codes) == 3 and 1 not in codes and 0 not in codes


def test_a_read_only_mount_when_the_store_was_never_created(run_dos, tmpfs_state: Path) -> None:
    """Reads of a store that does not exist yet work on a read-only mount; writes fail cleanly."""
    root = tmpfs_state
    subprocess.run(["mount", "-o", "remount,ro", str(root / ".dos")], check=True)
    assert run_dos(*_ws(root), "lease-lane", "live").stdout.strip() == "[]"
    r = run_dos(*_ws(root), "lease-lane", "acquire", "--lane", "main", "--owner", "a")
    assert r.returncode == StoreReadOnly.exit_code
    _one_line_error(r)
    assert not os.listdir(root / ".dos")
