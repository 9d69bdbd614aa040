"""Gate verbs: scope, scope-gate (with its git hooks), test-witness, attest, verify-receipt.

Each parses, calls the service, prints, and exits with its verdict's code.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from dos.cli._args import seconds
from dos.cli._output import add_json, add_pretty, print_json, print_verdict
from dos.errors import UsageError
from dos.exitcodes import OK, exit_code

HOOK_NAMES = ("prepare-commit-msg", "pre-commit", "pre-push")


def _one_line(text: Any, limit: int = 200) -> str:
    """Agent-written text for a terminal line: control characters shown as '?', bounded."""
    from dos.kernel.fence import clean

    return clean(str(text), limit)


def _write_set_flags(p: argparse.ArgumentParser, *, base_default: str | None) -> None:
    p.add_argument("--lane", default=None, help="the lane the write claims (a [lanes] name or alias, any case); "
                   "default: the trees of the leases the commits name, else everything")
    p.add_argument("--file", action="append", default=[], metavar="PATH",
                   help="a path the write touches (repeatable); replaces the git gather")
    p.add_argument("--staged", action="store_true", help="the staged files (git diff --cached)")
    p.add_argument("--base", default=base_default, metavar="REF",
                   help="judge the range from REF's merge base to --head (the net diff)")
    p.add_argument("--head", default=None, metavar="REF", help="the range's tip (default HEAD)")


# --------------------------------------------------------------------------- scope


def configure_scope(p: argparse.ArgumentParser) -> None:
    _write_set_flags(p, base_default=None)
    add_json(p)
    add_pretty(p)


def run_scope(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service.scope_gate import gather, scope

    base = args.base
    if not args.file and not args.staged and base is None:
        base = "HEAD~1"  # the advisory twin judges the last commit by default
    ws = gather(ctx.service, files=args.file, staged=args.staged, base=base, head=args.head)
    v = scope(ctx.service, ws, lane=args.lane or "")
    if args.json:
        print_json(v.to_dict(), pretty=args.pretty)
    else:
        print_verdict(v.token, _one_line(v.reason, 2000), good=v.token == "IN_SCOPE")
    return exit_code("scope", v.token)


# --------------------------------------------------------------------------- scope-gate


def configure_scope_gate(p: argparse.ArgumentParser) -> None:
    _write_set_flags(p, base_default=None)
    p.add_argument("--lease", action="append", default=[], metavar="SPEC",
                   help="for --file/--staged: the lease the write claims, 'ID' or 'ID fence=N' (repeatable; "
                   "default: $DOS_LEASE_ID, else the live leases of this run or session)")
    p.add_argument("--require-lease", action="store_true",
                   help="refuse commits (or a write) that claim no lease (UNFENCED)")
    p.add_argument("--allow-released", action="store_true",
                   help="accept a fence whose lease was released cleanly and not taken since")
    p.add_argument("--skip-fences", action="store_true",
                   help="check scope only; do not read the lease store (a CI without the fleet's store)")
    p.add_argument("--hook", choices=HOOK_NAMES, default=None, help=argparse.SUPPRESS)
    p.add_argument("hook_args", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--install-hooks", action="store_true",
                   help="install the prepare-commit-msg, pre-commit and pre-push git hooks")
    p.add_argument("--remove-hooks", action="store_true", help="remove DOS's git hooks (chained ones restored)")
    p.add_argument("--force", action="store_true",
                   help="with --install-hooks: keep a foreign hook as <hook>.local and chain it")
    p.add_argument("--output", default=None, metavar="NAME", help="text or json (json is the same as --json)")
    add_json(p)
    add_pretty(p)


def run_scope_gate(args: argparse.Namespace, ctx: Any) -> int:
    if args.install_hooks or args.remove_hooks:
        return _hooks_admin(args, ctx)
    if args.hook:
        return _run_hook(args, ctx)
    if args.hook_args:
        raise UsageError(f"unexpected argument(s): {' '.join(args.hook_args)}")
    if args.output not in (None, "text", "json"):
        raise UsageError(f"unknown renderer {args.output!r}; known: text, json")
    from dos.service.scope_gate import gather, scope_gate

    ws = gather(ctx.service, files=args.file, staged=args.staged, base=args.base, head=args.head)
    v = scope_gate(ctx.service, ws, lane=args.lane, leases=args.lease, require_lease=args.require_lease,
                   allow_released=args.allow_released, check_fences=not args.skip_fences)
    if args.json or args.output == "json":
        print_json(v.to_dict(), pretty=args.pretty)
    else:
        _print_gate(v, sys.stdout)
    return exit_code("scope-gate", v.token)


def _print_gate(v: Any, stream: Any, prefix: str = "") -> None:
    head = "ALLOW" if v.allowed else "REFUSE"
    stream.write(f"{prefix}{head}: {_one_line(v.reason, 2000)}\n")
    for path in v.refused_files:
        stream.write(f"{prefix}  outside the lane: {_one_line(path, 500)}\n")
    for check in v.fences:
        if not check.passes:
            stream.write(f"{prefix}  {check.state}: {_one_line(check.reason, 500)}\n")


def _hooks_admin(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import git_hooks

    if args.install_hooks and args.remove_hooks:
        raise UsageError("--install-hooks and --remove-hooks: pick one")
    root = ctx.workspace.root
    changes = git_hooks.install(root, force=args.force) if args.install_hooks else git_hooks.remove(root)
    if args.json:
        print_json([c.to_dict() for c in changes], pretty=args.pretty)
    else:
        for c in changes:
            note = "  (not DOS's: left alone; --force keeps it as .local and chains it)" if c.action == "foreign" else ""
            sys.stdout.write(f"{c.action:<10} {c.hook:<19} {c.path}{note}\n")
    return OK


def _run_hook(args: argparse.Namespace, ctx: Any) -> int:
    """The git hook entry points: the scripts ``--install-hooks`` writes call these."""
    from dos.service import scope_gate as sg

    svc, env = ctx.service, os.environ
    if args.hook == "prepare-commit-msg":
        if not args.hook_args:
            raise UsageError("prepare-commit-msg needs the message file git passes")
        written = sg.prepare_commit_msg(svc, args.hook_args[0])
        if env.get("DOS_LEASE_ID") and not written:
            sys.stderr.write("dos: $DOS_LEASE_ID names no lease in the store; the commit carries no DOS-Lease "
                             "trailer\n")
        return OK
    flags = sg.hook_flags(env)
    if args.hook == "pre-commit":
        ws = sg.staged_from_names(svc.root, sys.stdin.buffer.read())  # the hook's git listed them
    else:
        remote = args.hook_args[0] if args.hook_args else ""
        ws = sg.gather(svc, push=(remote, sys.stdin.read().splitlines()))
    v = sg.scope_gate(svc, ws, lane=sg.hook_lane(env), **flags)
    if not v.allowed:
        _print_gate(v, sys.stderr, prefix=f"dos scope-gate ({args.hook}): ")
    return exit_code("scope-gate", v.token)


# --------------------------------------------------------------------------- test-witness


def configure_test_witness(p: argparse.ArgumentParser) -> None:
    outcomes = ("pass", "fail", "error", "not-run")
    p.add_argument("--baseline", choices=outcomes, default=None,
                   help="asserted mode: the test's outcome on the tree without the change")
    p.add_argument("--candidate", choices=outcomes, default=None,
                   help="asserted mode: the test's outcome on the tree with the change")
    p.add_argument("--forgeable", action="store_true",
                   help="the asserted outcomes are the agent's own account (the verdict abstains)")
    p.add_argument("--cmd", default=None, metavar="CMD",
                   help="run mode: the test command, run on --base and on --head in throwaway worktrees")
    p.add_argument("--base", default="HEAD~1", metavar="REF", help="run mode: the tree without the change "
                   "(default HEAD~1)")
    p.add_argument("--head", default="HEAD", metavar="REF", help="run mode: the tree with the change (default HEAD)")
    p.add_argument("--tests", action="append", default=None, metavar="PATH",
                   help="run mode: test paths to carry from --head onto --base (repeatable; default: the test "
                   "files the change adds or modifies)")
    p.add_argument("--timeout", type=seconds, default=None, help="run mode: stop each run after this many "
                   "seconds (it counts as ERRORED)")
    p.add_argument("--output", default=None, metavar="NAME", help="text or json (json is the same as --json)")
    add_json(p)
    add_pretty(p)


def run_test_witness(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import witness

    if args.output not in (None, "text", "json"):
        raise UsageError(f"unknown renderer {args.output!r}; known: text, json")
    if args.cmd is not None:
        if args.baseline or args.candidate or args.forgeable:
            raise UsageError("--cmd runs the test itself: drop --baseline/--candidate/--forgeable")
        v = witness.run(ctx.service, args.cmd, base=args.base, head=args.head, tests=args.tests,
                        timeout=args.timeout)
    else:
        v = witness.asserted(ctx.service, args.baseline or "not-run", args.candidate or "not-run",
                             forgeable=args.forgeable)
    if args.json or args.output == "json":
        print_json(v.to_dict(), pretty=args.pretty)
    else:
        print_verdict(v.token, v.reason, good=v.witnesses)
        for r in v.evidence.runs:
            sys.stdout.write(f"  {r.side:<9} {r.commit[:12]}  {r.outcome:<7} exit {r.exit_status}"
                             f"{'  (timed out)' if r.timed_out else ''}\n")
    return exit_code("test-witness", v.token)


# --------------------------------------------------------------------------- attest


def configure_attest(p: argparse.ArgumentParser) -> None:
    p.add_argument("--claim", default=None, metavar="KEY", help="the effect the agent claims (an opaque key)")
    p.add_argument("--narrated", default="", metavar="TEXT", help="the agent's own words (kept, never judged)")
    p.add_argument("--accept-cmd", default=None, metavar="CMD",
                   help="witness by this command's exit status ({claim} in it is replaced by the claim)")
    p.add_argument("--before", default=None, metavar="PATH", help="witness by a state diff: the before snapshot")
    p.add_argument("--after", default=None, metavar="PATH", help="the after snapshot (a {key: value} JSON object)")
    p.add_argument("--third-party", action="store_true", help="the snapshots come from a third party's store")
    p.add_argument("--evidence", action="append", default=[], metavar="PATH",
                   help="a file whose SHA-256 the receipt carries (repeatable; order kept)")
    p.add_argument("--commit", default=None, metavar="REF", help="the commit the receipt names (default HEAD)")
    p.add_argument("--key-file", default=None, metavar="PATH",
                   help="the Ed25519 private key (PEM); else $DOS_ATTEST_KEY")
    p.add_argument("--timestamp", default=None, metavar="RFC3339", help="the attestation time (default now)")
    p.add_argument("--out", default=None, metavar="PATH", help="also write the receipt to PATH")
    p.add_argument("--generate-key", default=None, metavar="PATH",
                   help="write a new key pair: PATH (private, mode 0600) and PATH.pub, then exit")
    add_json(p, help="print the signed receipt (canonical JSON)")


def run_attest(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import attest

    if args.generate_key:
        made = attest.generate_key(args.generate_key)
        if args.json:
            print_json(made)
        else:
            sys.stdout.write(f"private key {made['private_key']}\npublic key  {made['public_key']}\n"
                             f"key id      {made['key_id']}\n")
        return OK
    if args.claim is None:
        raise UsageError("--claim KEY is required: the effect to witness")
    receipt, effect = attest.attest(ctx.service, args.claim, narrated=args.narrated, accept_cmd=args.accept_cmd,
                                    before=args.before, after=args.after, third_party=args.third_party,
                                    key_file=args.key_file, timestamp=args.timestamp, evidence=args.evidence,
                                    commit=args.commit)
    data = attest.receipt_bytes(receipt)
    if args.out:
        _write_new(args.out, data)
    if args.json:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        w = f"{receipt['witness_author'] or '(none)'} ({receipt['accountability_tier'] or '-'}) over " \
            f"{_one_line(receipt['witness_surface'])}"
        rows = [("VERDICT", f"{receipt['verdict']}   (believe={receipt['believe']} refuted={receipt['refuted']})"),
                ("CLAIM", _one_line(receipt["claim"])), ("WITNESS", w)]
        rows += [("EVIDENCE", f"{e['sha256'][:16]}  {e['size']:>8} B  {_one_line(e['name'])}")
                 for e in receipt["evidence"]]
        rows += [("COMMIT", receipt["commit"] or "(none)"),
                 ("ALGORITHM", f"{receipt['algorithm']} (key {receipt['key_id'][:16]})"),
                 ("TIMESTAMP", receipt["timestamp"]), ("SIGNATURE", receipt["signature"]),
                 ("REASON", _one_line(receipt["reason"], 500))]
        sys.stdout.write("".join(f"{k:<9} {v}\n" for k, v in rows))
    return exit_code("attest", effect.token)


def _write_new(path: str, data: bytes) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"--out {path}: {exc.strerror}") from None


# --------------------------------------------------------------------------- verify-receipt


def configure_verify_receipt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--receipt", default=None, metavar="PATH", help="the receipt file (default: stdin)")
    p.add_argument("--key-file", default=None, metavar="PATH",
                   help="the signer's Ed25519 public key (PEM); for a receipt@1, its HMAC key; else $DOS_ATTEST_KEY")
    add_json(p)


def run_verify_receipt(args: argparse.Namespace, ctx: Any) -> int:
    from dos.service import attest

    if args.receipt:
        try:
            with open(args.receipt, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise UsageError(f"--receipt {args.receipt}: {exc.strerror}") from None
    else:
        data = sys.stdin.buffer.read()
    v = attest.verify(ctx.service, data, key_file=args.key_file)
    if args.json:
        print_json(v.to_dict())
    elif v.valid:
        r = v.receipt
        note = ""
        if v.carried == "REFUTED":
            note = "  <- ADVERSE: an accountable witness saw the effect absent"
        elif v.carried in ("UNWITNESSED", "NO_CLAIM"):
            note = "  <- not adverse: the witness could not tell"
        if r.get("witness_author") == "os_acceptance" and r.get("claim_bound") is False:
            note += "  (the witness command was not given the claim)"
        sys.stdout.write(f"VALID     {_one_line(v.reason, 500)}\n"
                         f"CARRIES   {v.carried} (tier {r.get('accountability_tier') or '-'}){note}\n")
    else:
        sys.stdout.write(f"INVALID   {_one_line(v.reason, 500)}\n")
    return exit_code("verify-receipt", v.token)
