"""Files at the store's path that SQLite would quietly misread are refused, by every verb, with one line."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.store.storehelp import write_lanes

LANES = {"api": ["api/**"], "web": ["web/**"]}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = write_lanes(tmp_path / "ws", LANES)
    os.system(f"git init -q {root}")
    return root


def _store(ws: Path) -> Path:
    return ws / ".dos" / "store.sqlite3"


def _fences(run_dos, ws: Path) -> list[int]:
    out = run_dos("lease-lane", "live", cwd=ws)
    return [x["fence"] for x in json.loads(out.stdout)]


VERBS = (("lease-lane", "live"), ("store", "status"), ("arbitrate", "--lane", "api"),
         ("lease-lane", "acquire", "--lane", "web", "--owner", "b"))


def test_a_database_moved_without_its_wal_is_refused_not_merged(run_dos, ws: Path) -> None:
    """The user moves only store.sqlite3 aside; the -wal left behind must not seed a new store."""
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=ws).returncode == 0
    holder = sqlite3.connect(_store(ws))  # a second connection: the CLI's close no longer checkpoints the WAL
    holder.execute("SELECT count(*) FROM leases").fetchall()
    assert run_dos("lease-lane", "acquire", "--lane", "web", "--owner", "b", cwd=ws).returncode == 0
    shutil.move(_store(ws), ws / "moved.sqlite3")
    assert Path(f"{_store(ws)}-wal").exists()
    for verb in VERBS:
        out = run_dos(*verb, cwd=ws)
        said = out.stderr or out.stdout
        assert out.returncode == 65, (verb, out.stdout, out.stderr)
        assert said.count("\n") == 1 and "-wal" in said and "Traceback" not in out.stderr
    holder.close()


def test_a_replaced_database_does_not_take_the_old_wal(run_dos, ws: Path, tmp_path: Path) -> None:
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=ws).returncode == 0
    keep = sqlite3.connect(_store(ws))
    keep.execute("BEGIN IMMEDIATE")  # a writer mid-transaction holds the WAL open
    other = write_lanes(tmp_path / "other", LANES)
    assert run_dos("lease-lane", "acquire", "--lane", "web", "--owner", "z", cwd=other).returncode == 0
    os.replace(other / ".dos" / "store.sqlite3", ws / ".dos" / "replacement.sqlite3")
    os.replace(ws / ".dos" / "replacement.sqlite3", _store(ws))  # a new inode at the path, the old -wal beside it
    out = run_dos("store", "status", cwd=ws)
    assert out.returncode == 65 and "belongs to another database" in out.stderr + out.stdout
    keep.rollback()
    keep.close()


def test_a_foreign_sqlite_file_is_never_adopted(run_dos, ws: Path) -> None:
    _store(ws).parent.mkdir()
    conn = sqlite3.connect(_store(ws))
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    for verb in VERBS:
        out = run_dos(*verb, cwd=ws)
        assert out.returncode == 65 and (out.stderr or out.stdout).count("\n") == 1, (verb, out.stderr)
    conn = sqlite3.connect(_store(ws))
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["notes"], "nothing was written"
    conn.close()


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_fifo_or_directory_at_the_store_path_is_named(run_dos, ws: Path, kind: str) -> None:
    _store(ws).parent.mkdir()
    os.mkfifo(_store(ws)) if kind == "fifo" else _store(ws).mkdir()
    for verb in (*VERBS, ("doctor",)):
        out = run_dos(*verb, cwd=ws, timeout=30)
        if verb == ("doctor",):
            assert out.returncode == 0 and ("FIFO" in out.stdout or "directory" in out.stdout)
            continue
        said = out.stderr + out.stdout
        assert out.returncode == 65 and ("FIFO" in said or "a directory" in said), (verb, out.stderr)


def test_store_status_reports_integrity_and_the_fence_invariant(run_dos, ws: Path) -> None:
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=ws).returncode == 0
    assert run_dos("lease-lane", "acquire", "--lane", "web", "--owner", "b", cwd=ws).returncode == 0
    ok = json.loads(run_dos("store", "status", "--json", cwd=ws).stdout)
    assert ok["integrity"] == "ok" and ok["fences_ok"] is True
    conn = sqlite3.connect(_store(ws))
    conn.execute("UPDATE leases SET fence = 1")  # what a merged stale WAL leaves: two live grants, one fence
    conn.commit()
    conn.close()
    bad = run_dos("store", "status", "--json", cwd=ws)
    assert bad.returncode == 65 and json.loads(bad.stdout)["fences_ok"] is False
