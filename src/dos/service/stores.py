"""Store health and moves: ``status`` (engine, schema, counts; never creates) and ``migrate``.

An unreachable server is a verdict (``unreachable``, exit 69), not an error, for ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dos.errors import StoreCorrupt, StoreUnreachable, UsageError
from dos.service.context import Context, open_store
from dos.service.fleet_schema import fleet_schema

@dataclass(frozen=True)
class StoreStatus:
    """What ``dos store status`` reports; ``verdict`` is ``ok`` or ``unreachable``."""

    verdict: str
    engine: str
    location: str
    detail: str = ""
    schema_version: int = 0
    events: int = 0
    live_leases: int = 0
    expired_leases: int = 0
    integrity: str = ""  # "ok", or what the engine's quick check found
    fences_ok: bool | None = None  # every lease's fence distinct and no greater than the counter

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "engine": self.engine, "location": self.location,
                "detail": self.detail, "schema_version": self.schema_version, "events": self.events,
                "live_leases": self.live_leases, "expired_leases": self.expired_leases,
                "integrity": self.integrity, "fences_ok": self.fences_ok}


def _checks(store: Any) -> tuple[str, bool]:
    """(the quick integrity check's answer, whether the fence invariant holds) of an existing store."""
    with store.engine.read() as tx:
        if store.engine.name == "sqlite":
            found = [r[0] for r in tx.execute("PRAGMA quick_check")]
            integrity = "ok" if found == ["ok"] else "; ".join(str(x) for x in found[:3])
        else:
            integrity = "ok"
        fences = [int(r[0]) for r in tx.execute("SELECT fence FROM leases")]
        top = tx.execute("SELECT value FROM counters WHERE name = 'fence'")
    ceiling = int(top[0][0]) if top else 0
    return integrity, len(fences) == len(set(fences)) and all(0 < f <= ceiling for f in fences)


def status(ctx: Context) -> StoreStatus:
    """Read the store without creating it; an unreachable server is a verdict, not an error.

    A store that fails its integrity check or whose live fences repeat is ``corrupt`` (exit 65).
    """
    from dos.store import store_url

    url = store_url(ctx.config.store)
    engine_name = "postgres" if url else "sqlite"
    try:
        store = open_store(ctx.workspace, ctx.config)
    except StoreUnreachable as exc:
        from dos.store.postgres import redact

        return StoreStatus("unreachable", engine_name, redact(url), str(exc))
    try:
        engine = store.engine
        version = _schema_version(engine)
        if version == 0:
            return StoreStatus("ok", engine.name, engine.location, "not created yet (the first write creates it)")
        flags = [live for _, live in store.leases()]
        events = store.count_events()
        live = sum(flags)
        integrity, fences_ok = _checks(store)
        detail = f"schema v{version}, {events} event(s), {live} live lease(s), {len(flags) - live} expired"
        verdict = "ok"
        if integrity != "ok" or not fences_ok:
            verdict = "corrupt"
            detail += ("; integrity check: " + integrity if integrity != "ok" else "") + (
                "; lease fences repeat or pass the fence counter" if not fences_ok else "")
        return StoreStatus(verdict, engine.name, engine.location, detail, version, events, live,
                           len(flags) - live, integrity, fences_ok)
    except StoreUnreachable as exc:
        return StoreStatus("unreachable", engine_name, store.engine.location, str(exc))
    except StoreCorrupt as exc:
        return StoreStatus("corrupt", engine_name, store.engine.location, str(exc))
    finally:
        store.close()


def _schema_version(engine: Any) -> int:
    if hasattr(engine, "schema_version"):
        return int(engine.schema_version())
    with engine.read() as tx:
        rows = tx.execute("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(rows[0][0]) if rows else 0




def migrate(ctx: Context) -> dict[str, Any]:
    """Create or upgrade this workspace's schema."""
    with open_store(ctx.workspace, ctx.config) as store:
        version = store.engine.migrate()
        return {"engine": store.engine.name, "location": store.engine.location, "schema_version": version}


def migrate_to(ctx: Context, url: str, *, force: bool = False) -> dict[str, Any]:
    """Copy this workspace's store into the PostgreSQL at URL (verified before commit)."""
    from dos.store import postgres

    if not postgres.is_postgres_url(url):
        raise UsageError(f"dos store migrate --to: {postgres.redact(url)!r} is not a postgresql:// URL")
    from dos.store import store_schema

    target = postgres.PostgresEngine(url, schema=store_schema(ctx.config.store) or fleet_schema(ctx.root),
                                     busy_timeout_ms=ctx.config.store.busy_timeout_ms)
    try:
        with open_store(ctx.workspace, ctx.config) as store:
            if store.engine.name == "postgres" and getattr(store.engine, "schema", None) == target.schema \
                    and postgres.redact(store.engine.url) == postgres.redact(url):
                raise UsageError("dos store migrate --to: the target is the store already in use")
            source = store.engine.location
            report = postgres.copy_history(store.engine, target, replace=force)
    finally:
        target.close()
    report.update(source=source, target=target.location)
    return report

