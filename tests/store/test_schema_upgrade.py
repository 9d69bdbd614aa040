"""A store written by an older schema version is read as it is and upgraded on its first write."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dos.kernel.lanes import LaneRequest
from dos.store.live import check_schema
from dos.store.schema import MIGRATIONS, SCHEMA_VERSION, upgrade_from
from tests.store.conftest import StoreFactory


def _v1_store(root: Path) -> Path:
    path = root / ".dos" / "store.sqlite3"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for stmt in MIGRATIONS[1]:
        conn.execute(stmt)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    return path


def test_upgrade_from_lists_only_later_versions() -> None:
    assert upgrade_from(SCHEMA_VERSION) == ()
    assert upgrade_from(0)[: len(MIGRATIONS[1])] == MIGRATIONS[1]
    assert len(upgrade_from(1)) == sum(len(MIGRATIONS[v]) for v in MIGRATIONS if v > 1)


def test_v1_store_reads_then_upgrades_on_first_write(tmp_path: Path) -> None:
    path = _v1_store(tmp_path)
    reader = sqlite3.connect(path)
    check_schema(reader, str(path))  # the hook's reader accepts the older version as it stands
    reader.close()
    store = StoreFactory("sqlite").make(tmp_path)
    try:
        assert store.live_leases() == []
        granted = store.acquire(LaneRequest(lane="docs", kind="concurrent", tree=("docs/",)), holder="a")
        assert granted.granted
    finally:
        store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert conn.execute("SELECT count(*) FROM leases").fetchone()[0] == 1
    conn.close()
