"""The store's tables, as portable DDL each engine can mirror.

    events    the append-only log: seq (strictly increasing, never reused), ts_ms, op,
              lane, lease_id, holder, host_id, reason, data (a JSON object as TEXT)
    leases    the materialized view: one row per lease not yet released or scavenged
    counters  named monotonic counters: 'fence' and 'id:<scope>' (id-alloc)
    locks     named mutual-exclusion records (the archive lock of ``dos lease``)
    meta      key/value: 'schema_version'

Integers are BIGINT-safe; trees and payloads are JSON text. The SQLite DDL is below;
PostgreSQL renders the same statements with BIGINT columns and identity keys. Each schema
version adds its statements in ``MIGRATIONS`` (a feature's tables live in its own module);
a store is upgraded in one transaction on its first write, and every table a later version
adds reads as empty in a store not yet upgraded.
"""

from __future__ import annotations

from dos.store.schema_intents import INTENT_DDL
from dos.store.schema_journal import JOURNAL_DDL

LEASE_COLUMNS = (
    "lease_id", "fence", "lane", "lane_kind", "tree", "holder", "acquired_ms", "heartbeat_ms",
    "ttl_ms", "mode", "session", "host_id", "pid", "pid_start", "run_id", "loop_ts",
)
EVENT_COLUMNS = ("seq", "ts_ms", "op", "lane", "lease_id", "holder", "host_id", "reason", "data")
EVENT_INSERT = ("INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq")

BASE_DDL = (
    """CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts_ms INTEGER NOT NULL,
        op TEXT NOT NULL,
        lane TEXT NOT NULL DEFAULT '',
        lease_id TEXT NOT NULL DEFAULT '',
        holder TEXT NOT NULL DEFAULT '',
        host_id TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}')""",
    "CREATE INDEX IF NOT EXISTS events_op_holder ON events (op, holder)",
    """CREATE TABLE IF NOT EXISTS leases (
        lease_id TEXT PRIMARY KEY,
        fence INTEGER NOT NULL,
        lane TEXT NOT NULL,
        lane_kind TEXT NOT NULL,
        tree TEXT NOT NULL,
        holder TEXT NOT NULL,
        acquired_ms INTEGER NOT NULL,
        heartbeat_ms INTEGER NOT NULL,
        ttl_ms INTEGER NOT NULL,
        mode TEXT NOT NULL,
        session TEXT NOT NULL DEFAULT '',
        host_id TEXT NOT NULL DEFAULT '',
        pid INTEGER,
        pid_start INTEGER,
        run_id TEXT NOT NULL DEFAULT '',
        loop_ts TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS counters (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS locks (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        acquired_ms INTEGER NOT NULL,
        ttl_ms INTEGER NOT NULL)""",
)

# Version -> the statements that upgrade a store from the version before (SQLite dialect).
MIGRATIONS: dict[int, tuple[str, ...]] = {1: BASE_DDL, 2: JOURNAL_DDL, 3: INTENT_DDL}
NOTIFY_CHANNEL = "dos_events"  # a PostgreSQL commit that appended events says so here (payload: the schema)
PG_NOW = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"  # the PostgreSQL server's clock, in ms
_SCHEMA_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz_")
_SCHEMA_REST = _SCHEMA_FIRST | frozenset("0123456789")


def is_pg_schema_name(name: str) -> bool:
    """NAME is 1-63 characters of a-z, 0-9 and _, not starting with a digit (a workspace's PostgreSQL schema)."""
    return 0 < len(name) <= 63 and name[0] in _SCHEMA_FIRST and all(c in _SCHEMA_REST for c in name)

SCHEMA_VERSION = max(MIGRATIONS)
SQLITE_DDL = tuple(stmt for version in sorted(MIGRATIONS) for stmt in MIGRATIONS[version])


def upgrade_from(version: int) -> tuple[str, ...]:
    """The statements that bring a store at VERSION (0: none) up to SCHEMA_VERSION."""
    return tuple(stmt for v in sorted(MIGRATIONS) if v > version for stmt in MIGRATIONS[v])
