"""The live leases for one hook decision, and the record of what it enforced.

SQLite is read with the lean reader (``dos.store.live``); a pretool deny's or posttool
warning's ENFORCE event goes to the journal spool the next writer folds in, a stop's with one
INSERT. PostgreSQL,
auto-acquire and a store's first write go through the full ``Store``. A record that cannot be
written leaves the verdict standing and says why.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, Sequence

    from dos.kernel.enforce import Verdict
    from dos.kernel.lease import Lease
    from dos.service.events import HookEvent
    from dos.service.settings import Settings


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class LiveView:
    """The live leases and the clock for one decision, with the means to record what was enforced."""

    def __init__(self, settings: Settings, env: Mapping[str, str]) -> None:
        self.settings = settings
        self.url = env.get("DOS_STORE_URL", "").strip() or settings.store_url
        self.env = env
        self._conn: Any = None
        self._pg: Any = False  # the libpq connection (``pg_lean``): False until first used, None when it cannot be
        self.leases: list[Lease] = []
        self.now = _now_ms()

    def read(self, paths: Sequence[str] | None = None) -> None:
        """Read the live set (with PATHS, only leases that may reach them, from the published set).

        Raises ``StoreError`` when the store exists but cannot be read, or when dos.toml broke before
        any version of it compiled here (the defaults cannot say which store holds the leases).
        """
        if self._store_unknown():
            from dos.errors import StoreError

            raise StoreError("dos.toml is broken and no earlier version of it compiled here, so DOS cannot "
                             "tell which store holds the leases; fix dos.toml (`dos lint`)")
        if self.url:  # PostgreSQL: only the leases under the paths' first segments (dos.store.pg_heads)
            regions = _heads(paths)
            got = self._read_lean(regions)
            if got is not None:  # one statement through libpq, psycopg never imported
                from dos.store.live import lease_from_row

                self.now, self.leases = got[0], self._alive([lease_from_row(r) for r in got[1]], got[0])
                return
            with full_store(self.settings) as store:
                self.now, self.leases = store.live_reaching(regions)
            return
        path = self.settings.store_path
        if not os.path.exists(path):
            return
        if not os.path.isfile(path):
            from dos.errors import StoreCorrupt

            raise StoreCorrupt(f"store {path} is not a regular file; move it aside")
        published = published_set(path, _heads(paths))
        if published is not None:
            rows = [x for x in published["leases"] if not x.expired(self.now)]
        else:
            rows = self._read_store(path)
        self.leases = self._alive(rows, self.now)

    def _store_unknown(self) -> bool:
        """True when dos.toml broke before any version of it compiled here and no DOS_STORE_URL names the store."""
        return self.settings.guessed and not self.env.get("DOS_STORE_URL", "").strip()

    @staticmethod
    def _alive(leases: list[Lease], now: int) -> list[Lease]:
        """LEASES that are live at NOW, a dead holder process on this host judged as the Store does."""
        from dos import procs
        from dos.kernel.lease import is_live

        here = procs.host_id()
        return [x for x in leases if is_live(x, now, holder_dead=procs.holder_dead(x.pid, x.pid_start, x.host_id, here))]

    def _read_lean(self, regions: list[Any] | None) -> tuple[int, list[Any]] | None:
        """The clock and the rows under REGIONS (None: every row) through ``dos.store.pg_lean``, or None for
        the full store (no libpq, no schema name to trust here, or anything else it cannot read plainly)."""
        from dos.store import pg_heads

        schema = self._schema()
        conn = self._lean() if schema is not None else None
        if conn is None:
            return None
        return conn.read(schema, None if regions is None else pg_heads.heads_param(regions))

    def _lean(self) -> Any:
        """This view's libpq connection, made at its first use and closed with the view; None: the full store.
        Raises ``StoreUnreachable`` when the server cannot be reached."""
        if self._pg is False:
            from dos.store import pg_lean

            self._pg = pg_lean.connect(self.url, busy_timeout_ms=self.settings.busy_timeout_ms)
        return self._pg

    def texts(self, sql: Callable[[str], str], params: Sequence[str]) -> list[tuple[str | None, ...]] | None:
        """On PostgreSQL, the rows of a small read (SQL of the schema's quoted name) through libpq; None when
        it cannot be read that way (another engine, no libpq, no such table yet): read through the full store."""
        schema = self._schema() if self.url and not self._store_unknown() else None
        conn = self._lean() if schema is not None else None
        return None if conn is None else conn.texts(sql(f'"{schema}"'), params)

    def _schema(self) -> str | None:
        """The PostgreSQL schema as the full store resolves it, or None when it would refuse (it says why)."""
        from dos.store.schema import is_pg_schema_name

        schema = self.env.get("DOS_STORE_SCHEMA", "").strip() or self.settings.store_schema
        if not schema:
            from pathlib import Path

            from dos.errors import ConfigError
            from dos.service.fleet_schema import fleet_schema

            try:
                schema = fleet_schema(Path(self.settings.root))
            except ConfigError:
                return None
        return schema if is_pg_schema_name(schema) else None

    def _record_lean(self, values: tuple[Any, ...], row: dict[str, Any] | None) -> bool:
        """VALUES (an ENFORCE event) and ROW appended in one statement through libpq; False: not written."""
        from dos.store import pg_fast

        schema = self._schema()
        texts = pg_fast.journal_record(row, values)
        conn = self._lean() if schema is not None and texts is not False else None
        return conn is not None and conn.record(schema, values, texts) is not None

    def _read_store(self, path: str) -> list[Lease]:
        from dos.store.live import Unreadable, connect_read, read_live

        try:
            self._conn = connect_read(path, self.settings.busy_timeout_ms)
            return read_live(self._conn, self.now)
        except Unreadable as exc:
            from dos.errors import StoreCorrupt, StoreError

            raise (StoreCorrupt if exc.code in ("corrupt", "foreign", "stale") else StoreError)(str(exc)) from None
        except Exception as exc:  # the C module's errors: the store exists and cannot be read
            from dos.errors import StoreError

            raise StoreError(f"store {path} cannot be read ({exc})") from None

    def record(self, event: HookEvent, verdict: Verdict) -> str:
        """Append the ENFORCE event for VERDICT; '' or a one-line note saying why it was not recorded."""
        if self._store_unknown():  # never into a store the defaults guessed (say a new local one)
            return (f"dos-hook: this {verdict.action} was not recorded: dos.toml is broken and no earlier "
                    "version of it compiled here, so DOS cannot tell which store to record it in")
        from dos import procs

        data = {"host": event.host, "moment": event.moment, "tool": event.tool, "session": event.session,
                "intervention": verdict.action.upper(), "token": verdict.token, "paths": list(verdict.paths),
                "blocking_holder": verdict.holder, "expires_ms": verdict.expires_ms}
        fields = {"lane": _safe(verdict.lane), "lease_id": (verdict.blocking or ("",))[0],
                  "holder": _safe(event.session), "reason": _safe(verdict.reason), "data": data}
        from dos.service.hook_journal import hook_deny_row

        row = hook_deny_row(self.settings, event, verdict, self.now, self.env)
        try:
            if self.url:  # PostgreSQL: one statement through libpq when it can, else the full store
                from dos.store.live import event_values

                if self._record_lean(event_values(self.now, "ENFORCE", host_id=procs.host_id(), **fields), row):
                    return ""
            if self.url or not os.path.exists(self.settings.store_path):
                from dos.kernel.lease import Op
                from dos.service.journal import event_link

                with full_store(self.settings) as store:
                    store.record(Op.ENFORCE, **fields, journal=event_link(row))
                    if self.url:  # a schema an older DOS made may lack the record function: the next one is lean
                        ensure = getattr(store.engine, "ensure_functions", None)
                        if ensure is not None:
                            ensure()
                return ""
            from dos.store.live import event_values

            values = event_values(self.now, "ENFORCE", host_id=procs.host_id(), **fields)
            spool = self._spool_path()
            if spool and event.moment in ("pre", "post"):  # a stop refusal is read back by the cap: at once
                from dos.store.journal_rows import spool_append

                if spool_append(spool, row, event=values):
                    return ""
            from dos.store.live import append_event

            append_event(self.settings.store_path, self.settings.busy_timeout_ms, values, row, spool=spool)
            return ""
        except Exception as exc:  # noqa: BLE001 - the verdict stands; the missing record is reported
            text = " ".join(str(exc).split())[:200] or type(exc).__name__
            return f"dos-hook: this {verdict.action} was not recorded in the store ({text})"
        finally:
            self.close()

    def _spool_path(self) -> str:
        """The journal spool beside the store, or '' when the store lives elsewhere than ``.dos/``.

        A pretool deny's (or posttool warning's) event and row go there as one line that the next
        writer folds in (the store's write transaction is what made a deny slower than an allow)."""
        state_dir = os.path.join(self.settings.root, ".dos")
        if os.path.dirname(self.settings.store_path) != state_dir:
            return ""
        from dos.store.journal_rows import spool_path

        return spool_path(state_dir)

    def close(self) -> None:
        """Close the read connections (after any record, so the writer's close skips the checkpoint)."""
        if self._pg:
            pg, self._pg = self._pg, False
            pg.close()
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def pg_texts(settings: Settings, env: Mapping[str, str], sql: Callable[[str], str],
             params: Sequence[str]) -> list[tuple[str | None, ...]] | None:
    """``LiveView.texts`` on a view of its own, closed after: one small read through libpq, or None."""
    view = LiveView(settings, env)
    try:
        return view.texts(sql, params)
    finally:
        view.close()


def published_set(store_path: str, heads: Sequence[tuple[tuple[str, ...], bool]] | None = None) -> dict[str, Any] | None:
    """The live leases the store publishes beside itself, or None to read the store.

    With HEADS (``_heads`` of the paths judged) only the wide leases and the files on the way down
    to those paths are read (``dos.store.snapshot``), so a hook's read does not grow with the
    leases elsewhere; without, every file.
    """
    from dos.store.snapshot import path_for, read

    return read(path_for(store_path), heads)


def _heads(paths: Sequence[str] | None) -> list[tuple[tuple[str, ...], bool]] | None:
    """The regions of PATHS as the published set keys them (``snapshot.keys``), or None when one of
    them (the root, a leading glob) reaches anywhere."""
    if not paths:
        return None
    from dos.store.snapshot import keys

    out: list[tuple[tuple[str, ...], bool]] = []
    for p in paths:
        found = keys((p,)) if p else None
        if found is None:
            return None
        out += found
    return out


def full_store(settings: Settings) -> Any:
    """The workspace's full Store (PostgreSQL, auto-acquire, first write): the rare, heavier path."""
    from pathlib import Path

    from dos.config import Workspace, load_config
    from dos.errors import ConfigError
    from dos.service.context import open_store

    root = Path(settings.root)
    try:
        cfg = load_config(root)
    except ConfigError:  # the last dos.toml that compiled stays in force: its store and lanes
        cfg = _in_force(settings)
    return open_store(Workspace(root, "--workspace"), cfg)


def _in_force(settings: Settings) -> Any:
    """A Config holding SETTINGS' store and lanes (what the hooks enforce while dos.toml is broken)."""
    from dos.config import Config, LanesConfig, StoreConfig

    lanes = settings.lanes
    return Config(store=StoreConfig(url=settings.store_url, schema=settings.store_schema, path=settings.store_path,
                                    busy_timeout_ms=settings.busy_timeout_ms,
                                    lease_ttl_s=settings.lease_ttl_ms / 1000),
                  lanes=LanesConfig(concurrent=tuple(lanes["concurrent"]), exclusive=tuple(lanes["exclusive"]),
                                    autopick=tuple(lanes["autopick"]), aliases=dict(lanes["aliases"]),
                                    trees={k: tuple(v) for k, v in lanes["trees"].items()}))




def _safe(text: str) -> str:
    """TEXT without lone surrogates (a payload's bad escapes must not break the store's encoding)."""
    return text.encode("utf-8", "replace").decode("utf-8")
