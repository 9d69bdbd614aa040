"""``dos reindex``, ``dos projects``, ``dos learn``: the machine-local index of every workspace DOS has seen.

    dos reindex --prune            # rebuild from every indexed workspace; drop the ones whose .dos/ is gone
    dos projects --stale --json    # the workspaces whose .dos/ is gone
    dos learn lane-refusals        # refusals and hook denials across all of them, by lane

The index is ``$DISPATCH_HOME/index.sqlite3`` (default ``~/.dos``). These verbs ignore --workspace.
"""

from __future__ import annotations

import argparse
import sys

from dos.cli._output import print_json
from dos.exitcodes import exit_code


def configure_reindex(p: argparse.ArgumentParser) -> None:
    p.add_argument("--prune", action="store_true", help="drop the rows of workspaces whose .dos/ is gone")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")


def run_reindex(args: argparse.Namespace, ctx) -> int:
    from dos.service.home import reindex

    done = reindex(prune=args.prune)
    if args.json:
        print_json(done.to_dict())
    else:
        sys.stdout.write(done.reason + "\n")
        for root in done.pruned:
            sys.stdout.write(f"  pruned {root}\n")
    return exit_code("reindex", done.token)


def configure_projects(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stale", action="store_true", help="only the workspaces whose .dos/ is gone")
    p.add_argument("--json", action="store_true", help="print the index rows as JSON")


def run_projects(args: argparse.Namespace, ctx) -> int:
    from dos.service.home import index_path, projects

    rows = projects(stale=args.stale)
    if args.json:
        print_json(rows)
        return exit_code("projects", "listed")
    if not rows:
        what = "stale workspaces" if args.stale else "workspaces"
        sys.stdout.write(f"no {what} in {index_path()}\n")
        return exit_code("projects", "listed")
    width = max(5, *(len(r["label"]) for r in rows))
    sys.stdout.write(f"{'label':<{width}}  {'status':<10}  {'#runs':>5}  root\n")
    for r in rows:
        sys.stdout.write(f"{r['label']:<{width}}  {r['status']:<10}  {r['run_count']:>5}  {r['root']}\n")
    return exit_code("projects", "listed")


def configure_learn(p: argparse.ArgumentParser) -> None:
    from dos.service.home import AXES

    p.add_argument("axis", choices=AXES, metavar="AXIS", help=f"one of: {', '.join(AXES)}")
    p.add_argument("--json", action="store_true", help="print the groups as JSON")


def run_learn(args: argparse.Namespace, ctx) -> int:
    from dos.service.home import learn

    r = learn(args.axis)
    if args.json:
        print_json(r.to_dict())
        return exit_code("learn", r.token)
    if not r.groups:
        sys.stdout.write(r.reason + "\n")
        return exit_code("learn", r.token)
    sys.stdout.write(r.reason + "\n")
    width = max(len(g["key"]) for g in r.groups)
    for g in r.groups:
        if args.axis == "oracle-calibration":
            tail = f"positive {g['positive_rate']:.0%}  " + ", ".join(f"{k} {n}" for k, n in g["verdicts"].items())
        else:
            tail = ", ".join(f"{k} {n}" for k, n in g["reasons"].items())
        sys.stdout.write(f"  {g['key']:<{width}}  {g['count']:>5}  {tail}\n")
    return exit_code("learn", r.token)
