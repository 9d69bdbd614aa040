"""Observability verbs: observe, helped, export, notify.

Each parses, calls ``dos.service`` (journal, observe, export, notify) and renders. The exit
code is the verdict: ``observe`` 1 when the journal holds unreadable records, ``export`` and
``notify`` 1 when a real send failed or a dry run found it would.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from dos.cli._output import add_json
from dos.exitcodes import exit_code


def _indented(obj: Any) -> None:
    import json

    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=True, default=str) + "\n")


# --------------------------------------------------------------------------- observe


def configure_observe(parser: argparse.ArgumentParser) -> None:
    from dos.service.observe import DIMENSIONS

    parser.add_argument("--run", default="", metavar="RID", help="one run's verdict history")
    parser.add_argument("--syscall", default="", metavar="NAME", help="only this syscall (verify, pretool, ...)")
    parser.add_argument("--by", default="syscall", choices=DIMENSIONS, metavar="DIM",
                        help=f"fold the rollup on this dimension: {', '.join(DIMENSIONS)} (default syscall)")
    parser.add_argument("--tail", type=int, default=None, metavar="N", help="the last N raw events instead of the rollup")
    parser.add_argument("--since", default=None, metavar="SEQ|TIME",
                        help="only events after this journal seq, or at/after this ISO-8601 time")
    add_json(parser, "{run, syscall_filter, corrupt, rollup, events} (events: the newest 1000, or --tail N)")


def run_observe(args: argparse.Namespace, ctx: Any) -> int:
    from dos.errors import UsageError
    from dos.service import observe

    if args.tail is not None and args.tail < 0:
        raise UsageError("--tail must be 0 or more")
    tail = args.tail
    if args.run and tail is None and not args.json:
        tail = 10**9  # one run's whole history
    report = observe.observe(ctx.service, run=args.run, syscall=args.syscall, by=args.by, tail=tail,
                             since=args.since)
    code = exit_code("observe", "corrupt" if report["corrupt"] else "clean")
    if args.json:
        _indented(report)
    elif args.tail is not None or args.run:
        sys.stdout.write(observe.render_history(report["events"], run=args.run))
    else:
        sys.stdout.write(observe.render_rollup(report, syscall=args.syscall))
    return code


# --------------------------------------------------------------------------- helped


def configure_helped(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--session", default="", metavar="SID", help="only this session's interventions")
    parser.add_argument("--since", default=None, metavar="TS", help="only interventions at/after this ISO-8601 time")
    parser.add_argument("--explain", action="store_true", help="per reason: what it means, and examples")
    add_json(parser, "{total, blocked, warned, by_reason, by_tool, examples, glossary, ...}")


def run_helped(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import observe

    report = observe.helped(ctx.service, session=args.session, since=args.since)
    if args.json:
        _indented(report)
    else:
        sys.stdout.write(observe.render_helped(report, explain=args.explain))
    return exit_code("helped", "reported")


# --------------------------------------------------------------------------- export


def configure_export(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to", action="append", default=None, metavar="NAME",
                        help="exporter(s): null (default), file, statsd, otlp, prometheus or a dos.exporters "
                             "plugin; repeat or comma-separate for several")
    parser.add_argument("--path", default=None, help="file: the JSONL to append to; prometheus: the textfile")
    parser.add_argument("--host", default=None, help="statsd host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="statsd port (default 8125)")
    parser.add_argument("--endpoint", default=None, metavar="URL",
                        help="otlp: the OTLP/HTTP collector (default http://localhost:4318); prometheus: a Pushgateway")
    parser.add_argument("--since", default="auto", metavar="SEQ|auto",
                        help="auto (default): resume from each exporter's persisted cursor and advance it; "
                             "SEQ: replay the events after SEQ once, leaving the cursor alone")
    parser.add_argument("--tail", type=int, default=None, metavar="N", help="only the last N journal events")
    parser.add_argument("--batch", type=int, default=None, metavar="N",
                        help="events per exporter call (default [observe] export_batch); the cursor moves after each")
    parser.add_argument("--follow", action="store_true", help="poll, ship and persist in a loop until ^C or --follow-max")
    parser.add_argument("--follow-interval", type=float, default=2.0, metavar="SECS")
    parser.add_argument("--follow-max", type=int, default=0, metavar="N", help="stop --follow after N rounds (0: never)")
    parser.add_argument("--dry-run", action="store_true", help="report what would ship; send nothing (a send that "
                                                               "would fail still exits 1)")
    parser.add_argument("--list", action="store_true", help="list exporters and the persisted cursors")
    add_json(parser, "{result{exported, detail, cursor}, exporter, shipped, since, persist} (a list for several --to)")


def _print_export(runs: list[Any]) -> None:
    from dos.service.observe import printable

    for run in runs:
        since = f" (since seq {run.since})" if run.since else ""
        head = f"# export · {run.pending} event(s) pending{since} · transport={run.exporter}"
        sys.stdout.write(printable(head) + "\n")
        if run.error:
            sys.stdout.write(printable(f"  → skipped {run.exporter}: {run.error}") + "\n")
            continue
        shipped = run.shipped if not run.dry_run else 0
        word = "shipped" if run.ok and (run.shipped or not run.pending) and not run.dry_run else "NOT shipped"
        sys.stdout.write(printable(f"  → {word} {shipped}/{run.pending} via {run.exporter}: {run.detail}") + "\n")
        if run.cursor is not None and run.pending:
            note = "(persisted)" if run.persist and run.ok and run.shipped else f"(resume with --since {run.cursor})"
            if run.persist and not run.ok:
                note = "(persisted up to the last batch shipped; a re-run resumes there)"
            sys.stdout.write(f"  cursor: {run.cursor}  {note}\n")


def run_export(args: argparse.Namespace, ctx: Any) -> int:
    from dos.errors import UsageError
    from dos.service import export

    svc = ctx.service
    if args.list:
        listing = {"exporters": export.exporter_names(), "cursors": export.cursors(svc)}
        if args.json:
            _indented(listing)
        else:
            sys.stdout.write("exporters: " + ", ".join(listing["exporters"]) + "\n")
            for c in listing["cursors"] or [{"name": "(no cursor persisted yet)", "seq": "", "updated": ""}]:
                sys.stdout.write(f"  {c['name']:<40} {c['seq']!s:>8}  {c['updated']}\n")
        return exit_code("export", "shipped")
    if args.follow_interval < 0 or args.follow_max < 0:
        raise UsageError("--follow-interval and --follow-max must be 0 or more")
    kwargs = export.exporter_kwargs(svc, path=args.path, host=args.host, port=args.port, endpoint=args.endpoint,
                                    dry_run=args.dry_run)
    common = dict(since=args.since, tail=args.tail, dry_run=args.dry_run, batch=args.batch, kwargs=kwargs)
    if args.follow:
        def tick(runs: list[Any]) -> None:
            if not args.json:
                _print_export(runs)
                sys.stdout.flush()

        try:
            runs = export.follow(svc, args.to, interval_s=args.follow_interval, max_ticks=args.follow_max,
                                 on_tick=tick, **common)
        except KeyboardInterrupt:
            return exit_code("export", "shipped")
    else:
        runs = export.export(svc, args.to, **common)
        if not args.json:
            _print_export(runs)
    if args.json:
        out = [r.to_dict() for r in runs]
        _indented(out[0] if len(out) == 1 else out)
    for run in runs:
        if run.error:
            sys.stderr.write(f"warning: exporter '{run.exporter}' skipped: {run.error}\n")
    return exit_code("export", "shipped" if all(r.ok for r in runs) else "failed")


# --------------------------------------------------------------------------- notify


def configure_notify(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="source", metavar="WHAT", required=True)
    for name, text in (("decisions", "push the operator-decision queue"),
                       ("top", "push the fleet's state (Slack: edits its last message in place)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--notifier", default="null", metavar="NAME",
                       help="null (default: render only), webhook, slack, or a dos.notifiers plugin")
        p.add_argument("--channel", default=None, metavar="NAME|ID", help="slack: the channel")
        p.add_argument("--url", default=None, help="webhook: the URL (or $DOS_WEBHOOK_URL, .env, [observe] webhook_url)")
        p.add_argument("--token", default=None, metavar="SECRET",
                       help="webhook: a bearer token ($DOS_WEBHOOK_TOKEN); slack: the bot token ($SLACK_BOT_TOKEN)")
        p.add_argument("--dry-run", action="store_true",
                       help="check and render, send nothing; exits 1 where the real send would fail")
        p.add_argument("--force", action="store_true", help="send even inside the de-dup window")
        p.add_argument("--dedup-window", type=float, default=None, metavar="SECS",
                       help="the de-dup window (default [observe] notify_dedup_s; 0: always send)")
        p.add_argument("--retries", type=int, default=None, metavar="N",
                       help="attempts after the first (default [observe] notify_retries)")
        add_json(p, "{notification, result, notifier, ok, deduplicated, attempts}")
        if name == "decisions":
            p.add_argument("--all", action="store_true", help="include rows a judge or the oracle can resolve")
            p.add_argument("--top", type=int, default=5, metavar="K", help="decisions listed as fields (default 5)")


def run_notify(args: argparse.Namespace, ctx: Any) -> int:
    from dos.errors import UsageError
    from dos.service import notify

    if args.retries is not None and args.retries < 0:
        raise UsageError("--retries must be 0 or more")
    if args.dedup_window is not None and args.dedup_window < 0:
        raise UsageError("--dedup-window must be 0 or more")
    run = notify.notify(ctx.service, args.source, args.notifier, url=args.url, token=args.token,
                        channel=args.channel, dry_run=args.dry_run, include_all=getattr(args, "all", False),
                        top=getattr(args, "top", 5), dedup_s=args.dedup_window, force=args.force,
                        retries=args.retries)
    if args.json:
        _indented(run.to_dict())
    else:
        sys.stdout.write(notify.render(run))
    return exit_code("notify", run.token)

