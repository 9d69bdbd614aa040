"""``dos memory remember|recall|verify``: remembered facts, each pinned to the files and commits behind it.

    dos memory remember build-uses-uv --file pyproject.toml --commit HEAD --text "The build uses uv."
    dos memory recall build-uses-uv            # RECALL_FRESH 0, RECALL_STALE 3, RECALL_UNVERIFIABLE 0
    dos memory verify --route --json           # every memory; 3 when any is stale

The store is ``.dos/memory/`` (``--store DIR`` for another); the format is in docs/memory.md.
"""

from __future__ import annotations

import argparse
import sys

from dos.cli._output import print_json, print_verdict
from dos.errors import UsageError
from dos.exitcodes import exit_code

_STORE_HELP = "the memory directory (default: .dos/memory; relative paths are under the workspace root)"


def configure_memory(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("recall", help="is memory NAME still true? (0 fresh or unverifiable, 3 stale)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--store", default="", help=_STORE_HELP)
    p.add_argument("--explain", action="store_true", help="add a one-line next-action hint (JSON: interpretation)")
    _outputs(p)
    p = sub.add_parser("verify", help="re-check every memory in the store (3 when any is stale)")
    p.add_argument("--store", default="", help=_STORE_HELP)
    p.add_argument("--route", action="store_true",
                   help="say where each memory goes: keep, refresh (evidence changed), retire (evidence gone), "
                        "review (cannot be checked)")
    _outputs(p)
    p = sub.add_parser("remember", help="write memory NAME, pinned to its files' digests and commits now")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--file", action="append", default=[], metavar="PATH",
                   help="a workspace file the fact rests on (repeatable)")
    p.add_argument("--commit", action="append", default=[], metavar="REF",
                   help="a commit the fact rests on; must stay reachable from HEAD (repeatable)")
    p.add_argument("--text", default=None, help="the fact itself (default: read from stdin when it is not a TTY)")
    p.add_argument("--type", default="project", help="the memory's type")
    p.add_argument("--description", default="", help="a one-line summary")
    p.add_argument("--store", default="", help=_STORE_HELP)
    p.add_argument("--replace", action="store_true", help="overwrite a memory of the same name")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--output", choices=("text", "json", "plain"), default=None, help="renderer (json = --json)")


def run_memory(args: argparse.Namespace, ctx) -> int:
    return {"recall": _recall, "verify": _verify, "remember": _remember}[args.action](args, ctx)


_PLAIN = {
    "RECALL_FRESH": "Still true: '{m}' matches the files and commits it was based on.",
    "RECALL_STALE": "Out of date: '{m}' no longer matches what it was based on ({r}).",
    "RECALL_UNVERIFIABLE": "Cannot tell: '{m}' has nothing DOS can check it against ({r}).",
}


def _recall(args: argparse.Namespace, ctx) -> int:
    from dos.kernel.memory import interpret
    from dos.service.memory import recall

    v = recall(ctx.service, args.name, args.store)
    if args.json or args.output == "json":
        out = v.to_dict()
        if args.explain:
            out["interpretation"] = interpret(v)
        print_json(out)
    elif args.output == "plain":
        sys.stdout.write(_PLAIN[v.token].format(m=v.memory, r=v.reason) + "\n")
    else:
        print_verdict(v.token, f"{v.memory}: {v.reason}", good=v.token == "RECALL_FRESH")
        if args.explain:
            sys.stdout.write(interpret(v) + "\n")
    return exit_code("memory recall", v.token)


def _verify(args: argparse.Namespace, ctx) -> int:
    from dos.kernel.memory import route
    from dos.service.memory import verify

    sweep = verify(ctx.service, args.store)
    if args.json or args.output == "json":
        print_json(sweep.to_dict(routes=args.route))
    elif args.output == "plain":
        if sweep.token == "EMPTY":
            sys.stdout.write("There are no remembered facts to check.\n")
        for m in sweep.memories:
            sys.stdout.write(_PLAIN[m.token].format(m=m.memory, r=m.reason) + "\n")
    else:
        for m in sweep.memories:
            tail = f"  -> {route(m)}" if args.route else ""
            print_verdict(m.token, f"{m.memory}: {m.reason}{tail}", good=m.token == "RECALL_FRESH")
        print_verdict(sweep.token, sweep.reason, good=sweep.token != "RECALL_STALE")
    return exit_code("memory verify", sweep.token)


def _remember(args: argparse.Namespace, ctx) -> int:
    from dos.service.memory import remember

    text = args.text
    if text is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError("give the fact with --text TEXT, or pipe it on stdin")
        text = sys.stdin.read()
    done = remember(ctx.service, args.name, files=args.file, commits=args.commit, text=text, type=args.type,
                    description=args.description, store=args.store, replace=args.replace)
    if args.json:
        print_json(done.to_dict())
    else:
        print_verdict(done.token, done.reason, good=True)
    return exit_code("memory remember", done.token)
