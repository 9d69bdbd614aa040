"""Verbs ``verify``, ``commit-audit`` and ``quickstart``: the exit code is the verdict."""

from __future__ import annotations

import sys

from dos.cli._output import color_enabled, paint, print_json
from dos.cli._parser import BOOL, Lean
from dos.exitcodes import OK, exit_code

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

MAX_SECONDS = 10 * 365 * 24 * 3600  # dos.cli._args.MAX_SECONDS (a test holds the two equal)


def _lean_seconds(text: str) -> float:
    """``--timeout`` as ``dos.cli._args.seconds`` takes it; ValueError for what it refuses."""
    value = float(text)
    if not (0 < value <= MAX_SECONDS):  # also false for NaN
        raise ValueError(text)
    return value


# ``dos verify`` parsed without argparse (anything else it is given goes to configure_verify's parser).
LEAN_verify = Lean(("plan", "phase"), 2, {
    "--ref": ("ref", str, None), "--json": ("json", BOOL, False), "--explain": ("explain", BOOL, False),
    "--output": ("output", str, None), "--timeout": ("timeout", _lean_seconds, None),
    "--no-ci": ("no_ci", BOOL, False)})


def configure_verify(p: argparse.ArgumentParser) -> None:
    from dos.cli._args import seconds

    p.add_argument("plan", metavar="PLAN", help="the plan (series) id, e.g. AUTH")
    p.add_argument("phase", metavar="PHASE", help="the phase id, e.g. AUTH1")
    p.add_argument("--ref", help="judge the history of REF instead of HEAD")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--explain", action="store_true", help="add a one-line interpretation")
    p.add_argument("--output", metavar="NAME", help="renderer: text, json or plain (overrides --json)")
    p.add_argument("--timeout", type=seconds, default=None, help="give up (exit 2) after this many seconds")
    p.add_argument("--no-ci", action="store_true", help="accepted for compatibility: DOS reads no CI evidence")


def _colored_line(v) -> str:
    line = v.line()
    if not color_enabled():
        return line
    token, rest = line.split(" ", 1)
    head, _, via = rest.rpartition(" (via ")
    color = "yellow" if v.source == "grep-subject" else ("red" if v.source in ("none", "reverted") else "green")
    return f"{paint(token, 'green' if v.shipped else 'red')} {head} {paint('(via ' + via, color)}"


def _plain(v) -> str:
    """One plain-English sentence for the verdict."""
    if v.shipped:
        how = {"registry": "a run-registry row whose commit is in history", "grep-artifact":
               "a commit that touched the files the plan names"}.get(v.source, "a commit stamped with it")
        return f"{v.plan} {v.phase} has shipped: {how} ({v.sha})."
    if v.source == "reverted":
        return f"{v.plan} {v.phase} has not shipped: commit {v.sha} stamped it but {v.reverted_by} reverted it."
    if v.sha:
        return f"{v.plan} {v.phase} has not shipped: only a mention in commit {v.sha}, which is not a ship."
    return f"{v.plan} {v.phase} has not shipped: nothing in this history stamps it."


def run_verify(args: argparse.Namespace, ctx) -> int:
    from dos.service.truth import interpret, verify, verify_lean

    renderer = args.output or ("json" if args.json else "text")
    if renderer not in ("text", "json", "plain"):
        from dos.errors import UsageError

        raise UsageError(f"unknown renderer {renderer!r}; known: text, json, plain")
    v = verify_lean(ctx.workspace_arg, args.plan, args.phase, ref=args.ref, timeout=args.timeout)
    if v is None:  # only the full path can answer (and say what is wrong)
        v = verify(ctx.service, args.plan, args.phase, ref=args.ref, timeout=args.timeout)
    if renderer == "plain":
        sys.stdout.write(_plain(v) + "\n")
        if args.explain:
            sys.stdout.write(interpret(v) + "\n")
    elif renderer == "json":
        d = v.to_dict()
        if args.explain:
            d["interpretation"] = interpret(v)
        print_json(d)
    else:
        sys.stdout.write(_colored_line(v) + "\n")
        if args.explain:
            sys.stdout.write(interpret(v) + "\n")
    return exit_code("verify", v.token)


# --------------------------------------------------------------------------- commit-audit


def configure_commit_audit(p: argparse.ArgumentParser) -> None:
    p.add_argument("ref", nargs="?", default="HEAD", metavar="REF",
                   help="a commit (default HEAD) or a range A..B (every commit in it, newest first)")
    p.add_argument("--sweep", nargs="?", const=True, default=None, metavar="RANGE",
                   help="print totals and the drift rate over RANGE (default: REF)")
    p.add_argument("--warn-only", action="store_true", help="report, but always exit 0")
    p.add_argument("--docs-ok", action="store_true", help="accept a doc-only diff for a code claim")
    p.add_argument("--json", action="store_true", help="print JSON")


def run_commit_audit(args: argparse.Namespace, ctx) -> int:
    from dos.service.audit import Sweep, safe_audit

    ref = args.sweep if isinstance(args.sweep, str) else args.ref
    verdicts = safe_audit(ctx.workspace.root, ref, docs_ok=args.docs_ok)
    bad = [v for v in verdicts if v.verdict == "CLAIM_UNWITNESSED"]
    if args.sweep is not None:
        sweep = Sweep(tuple(verdicts))
        if args.json:
            print_json(sweep.to_dict(), pretty=True)
        else:
            sys.stdout.write("\n".join(sweep.lines()) + "\n")
    elif args.json:
        print_json([v.to_dict() for v in verdicts], pretty=True)
    elif not verdicts:
        sys.stdout.write("commit-audit: no commits in range (nothing to check)\n")
    else:
        for v in verdicts:
            sys.stdout.write(v.line() + "\n")
    if bad:
        sys.stderr.write(f"commit-audit: {len(bad)}/{len(verdicts)} commit(s) make a claim "
                         "their diff does not witness.\n")
    if args.warn_only:
        return OK
    return exit_code("commit-audit", "unwitnessed" if bad else "clean")


# --------------------------------------------------------------------------- quickstart


def configure_quickstart(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep", metavar="DIR", help="build the demo repo in DIR (new or empty) and keep it")


def run_quickstart(args: argparse.Namespace, ctx) -> int:
    """Make a throwaway repo, stamp AUTH1, and show verify telling AUTH1 from AUTH2."""
    import shutil
    import tempfile
    from pathlib import Path

    from dos.errors import UsageError

    if args.keep:
        root = Path(args.keep).expanduser().resolve()
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise UsageError(f"quickstart --keep {args.keep}: the directory exists and is not empty; "
                             "name a new or empty directory")
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="dos-quickstart-"))
    try:
        return _quickstart_in(root, keep=bool(args.keep))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def _quickstart_in(root, *, keep: bool) -> int:
    from dos.service import quickstart

    out = sys.stdout.write
    quickstart.build_repo(root)
    out(f"DOS quickstart: a throwaway git repo at {root}\n")
    out(f"One commit was made in it:  {quickstart.SUBJECT}\n\n")
    codes = []
    for v in quickstart.verdicts(root):
        code = exit_code("verify", v.token)
        codes.append(code)
        out(f"$ dos verify AUTH {v.phase}\n{_colored_line(v)}\n-> exit {code}\n\n")
    out("AUTH1 is SHIPPED because a commit in git history is stamped 'AUTH1: ...'; AUTH2 has no such\n"
        "commit, so it is NOT_SHIPPED - whatever an agent says. Branch on the exit code: 0 shipped, 1 not.\n")
    first, second, third = quickstart.fleet_act(root)
    word = {True: "granted", False: "REFUSED"}
    out("\nThe fleet act: two agents ask for the same lane (what 'dos lease-lane acquire' does):\n"
        f"  agent-1 -> lane main: {word[first]}\n"
        f"  agent-2 -> lane main: {word[second]} while agent-1 holds it; after agent-1 releases: {word[third]}\n")
    out(f"\nKept: {root}  (try: cd {root} && dos verify AUTH AUTH1 --explain)\n" if keep
        else "\nThe demo repo has been removed. Next: 'dos init' in your repo, then 'dos doctor'.\n")
    return exit_code("quickstart", "demonstrated" if codes == [0, 1] else "failed")
