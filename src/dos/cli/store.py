"""Verb ``store``: ``status`` (engine, location, schema, events, leases) and ``migrate``.

``status`` exits 69 when a configured server cannot be reached. ``migrate`` creates or
upgrades the schema; ``migrate --to URL`` copies this workspace's history into PostgreSQL.
"""

from __future__ import annotations

import argparse
from typing import Any

from dos.cli._output import print_json, print_verdict
from dos.errors import UsageError
from dos.exitcodes import exit_code


def configure_store(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = sub.add_parser("status", help="engine, location, schema version, events, live leases")
    st.add_argument("--json", action="store_true", help="print the status as JSON")
    mg = sub.add_parser("migrate", help="create or upgrade the schema; --to URL copies history into PostgreSQL")
    mg.add_argument("--to", metavar="URL", help="a postgresql:// URL to copy this workspace's store into")
    mg.add_argument("--force", action="store_true", help="with --to: replace events the target already holds")
    mg.add_argument("--json", action="store_true", help="print the result as JSON")


def run_store(args: argparse.Namespace, ctx: Any) -> int:
    if args.action == "status":
        from dos.service.stores import status as store_status

        status = store_status(ctx.service)
        if args.json:
            print_json(status.to_dict())
        else:
            reason = f"{status.engine} {status.location}: {status.detail}"
            print_verdict(status.verdict, reason, good=status.verdict == "ok")
        return exit_code("store status", status.verdict)
    return _migrate(args, ctx)


def _migrate(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import stores

    if args.force and not args.to:
        raise UsageError("dos store migrate: --force only applies with --to URL")
    if not args.to:
        result = stores.migrate(ctx.service)
        if args.json:
            print_json(result)
        else:
            print_verdict("migrated", f"{result['engine']} {result['location']}: schema v{result['schema_version']}",
                          good=True)
        return exit_code("store migrate", "migrated")
    report = stores.migrate_to(ctx.service, args.to, force=args.force)
    if args.json:
        print_json(report)
    else:
        print_verdict("migrated", f"{report['events']} event(s), {report['leases']} lease(s), fence "
                      f"{report['fence']} from {report['source']} to {report['target']}", good=True)
        print("use it: set [store] url in dos.toml (or DOS_STORE_URL) to the target URL")
    return exit_code("store migrate", "migrated")
