"""Verb ``store``: ``status`` (engine, location, schema, events, leases) and ``migrate``.

``status`` exits 69 when a configured server cannot be reached. ``migrate`` creates or
upgrades the schema; ``migrate --to URL`` copies this workspace's history into PostgreSQL.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from dos.cli._output import print_json, print_verdict
from dos.errors import StoreUnreachable, UsageError
from dos.exitcodes import exit_code


def configure_store(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = sub.add_parser("status", help="engine, location, schema version, events, live leases")
    st.add_argument("--json", action="store_true", help="print the status as JSON")
    mg = sub.add_parser("migrate", help="create or upgrade the schema; --to URL copies history into PostgreSQL")
    mg.add_argument("--to", metavar="URL", help="a postgresql:// URL to copy this workspace's store into")
    mg.add_argument("--force", action="store_true", help="with --to: replace events the target already holds")
    mg.add_argument("--json", action="store_true", help="print the result as JSON")


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

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "engine": self.engine, "location": self.location,
                "detail": self.detail, "schema_version": self.schema_version, "events": self.events,
                "live_leases": self.live_leases, "expired_leases": self.expired_leases}


def store_status(ctx: Any) -> StoreStatus:
    """Read the store without creating it; an unreachable server is a verdict, not an error."""
    from dos.store import open_store, store_url

    url = store_url(ctx.config)
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
        detail = f"schema v{version}, {events} event(s), {live} live lease(s), {len(flags) - live} expired"
        return StoreStatus("ok", engine.name, engine.location, detail, version, events, live, len(flags) - live)
    except StoreUnreachable as exc:
        return StoreStatus("unreachable", engine_name, store.engine.location, str(exc))
    finally:
        store.close()


def _schema_version(engine: Any) -> int:
    if hasattr(engine, "schema_version"):
        return int(engine.schema_version())
    with engine.read() as tx:
        rows = tx.execute("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(rows[0][0]) if rows else 0


def run_store(args: argparse.Namespace, ctx: Any) -> int:
    if args.action == "status":
        status = store_status(ctx)
        if args.json:
            print_json(status.to_dict())
        else:
            reason = f"{status.engine} {status.location}: {status.detail}"
            print_verdict(status.verdict, reason, good=status.verdict == "ok")
        return exit_code("store status", status.verdict)
    return _migrate(args, ctx)


def _migrate(args: argparse.Namespace, ctx: Any) -> int:
    from dos.store import open_store

    if args.force and not args.to:
        raise UsageError("dos store migrate: --force only applies with --to URL")
    if not args.to:
        with open_store(ctx.workspace, ctx.config) as store:
            version = store.engine.migrate()
            result = {"engine": store.engine.name, "location": store.engine.location, "schema_version": version}
        if args.json:
            print_json(result)
        else:
            print_verdict("migrated", f"{result['engine']} {result['location']}: schema v{version}", good=True)
        return 0

    from dos.store import postgres

    if not postgres.is_postgres_url(args.to):
        raise UsageError(f"dos store migrate --to: {postgres.redact(args.to)!r} is not a postgresql:// URL")
    target = postgres.PostgresEngine(args.to, workspace=str(ctx.workspace.root), schema=ctx.config.store.schema,
                                     busy_timeout_ms=ctx.config.store.busy_timeout_ms)
    try:
        with open_store(ctx.workspace, ctx.config) as store:
            if store.engine.name == "postgres" and getattr(store.engine, "schema", None) == target.schema \
                    and postgres.redact(store.engine.url) == postgres.redact(args.to):
                raise UsageError("dos store migrate --to: the target is the store already in use")
            source = store.engine.location
            report = postgres.copy_history(store.engine, target, replace=args.force)
    finally:
        target.close()
    report.update(source=source, target=target.location)
    if args.json:
        print_json(report)
    else:
        print_verdict("migrated", f"{report['events']} event(s), {report['leases']} lease(s), fence "
                      f"{report['fence']} from {source} to {target.location}", good=True)
        print("use it: set [store] url in dos.toml (or DOS_STORE_URL) to the target URL")
    return 0
