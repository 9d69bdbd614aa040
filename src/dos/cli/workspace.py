"""Workspace verbs: init, doctor, lint, exit-codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dos.cli._output import paint, print_json
from dos.errors import UsageError
from dos.exitcodes import OK, exit_code

NOISE_DIRS = frozenset({
    ".git", "__pycache__", "node_modules", "dist", "build", "target", "venv", ".venv", "env",
    ".env", ".idea", ".vscode", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox",
    "site-packages", ".dos", "htmlcov", ".eggs",
})
MAX_INFERRED_LANES = 12
HOSTS = ("claude-code", "codex", "cursor", "gemini", "antigravity")


# --------------------------------------------------------------------------- init


def infer_lanes(root: Path) -> list[str]:
    """Top-level source directories, sorted, noise and dot-directories skipped, at most 12."""
    try:
        names = [p.name for p in root.iterdir() if p.is_dir()]
    except OSError:
        return []
    keep = sorted(n for n in names if not n.startswith(".") and n not in NOISE_DIRS)
    return keep[:MAX_INFERRED_LANES]


def render_dos_toml(lanes: list[str]) -> str:
    """The dos.toml that ``dos init`` writes for top-level directories LANES."""
    q = lambda names: ", ".join(f'"{n}"' for n in names)  # noqa: E731
    head = (
        "# DOS workspace configuration. `dos doctor` shows what DOS reads from it;\n"
        "# `dos lint` finds dead or conflicting policy. Unknown tables and keys are errors.\n\n"
    )
    if lanes:
        body = (f"[lanes]\nconcurrent = [{q(lanes)}]\nexclusive = [\"global\"]\nautopick = [{q(lanes)}]\n\n"
                "[lanes.trees]\n" + "".join(f'{_key(n)} = ["{n}/**"]\n' for n in lanes)
                + 'global = ["**/*"]\n')
    else:
        body = ('[lanes]\nconcurrent = []\nexclusive = ["main"]\nautopick = []\n\n'
                '[lanes.trees]\nmain = ["**/*"]\n')
    tail = (
        '\n[paths]\nplans_glob = "docs/**/*-plan.md"\n\n'
        '[stamp]\nstyle = "grep"\n'
        '# subject_dirs = ["docs"]      # require a dir prefix such as "docs/AUTH1: ..."\n'
        "# trailer_stamp = true         # also accept a trailing \"(AUTH AUTH1)\"\n"
    )
    return head + body + tail


def _key(name: str) -> str:
    bare = name.replace("-", "").replace("_", "").isalnum() and name.isascii()
    return name if bare else '"' + name.replace('"', '\\"') + '"'


def configure_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=None, metavar="DIR", help="workspace to initialise (default: .)")
    p.add_argument("--force", action="store_true",
                   help="rewrite an existing dos.toml; with --hooks: replace DOS's hook entries with the canonical ones")
    p.add_argument("--hooks", metavar="HOST", choices=(*HOSTS, "auto"),
                   help="wire DOS hooks into HOST's own config (auto: every host found)")
    p.add_argument("--with-hooks", action="store_true", help="the same as --hooks claude-code")
    p.add_argument("--scope", choices=("project", "user"), default="project",
                   help="with --hooks: the workspace's files (project) or this user's (user: every workspace "
                        "with a dos.toml)")
    p.add_argument("--mcp", metavar="HOST", help="register the DOS MCP server with HOST")
    p.add_argument("--remove", action="store_true", help="with --hooks or --mcp: undo the wiring")
    p.add_argument("--dry-run", action="store_true", help="with --hooks: show the merge, write nothing")
    p.add_argument("--example", metavar="NAME", help="accepted for compatibility: examples are not bundled")


def run_init(args: argparse.Namespace, ctx) -> int:
    from dos.exitcodes import OK, REFUSED

    if args.dir is not None:
        base = Path(ctx.workspace_arg) if ctx.workspace_arg else Path.cwd()
        root = (base / args.dir).resolve()
    elif ctx.workspace_arg:
        root = Path(ctx.workspace_arg).resolve()
    else:
        root = Path.cwd().resolve()
    hooks = args.hooks or ("claude-code" if args.with_hooks else None)
    if args.dry_run and not (hooks or args.mcp):
        sys.stderr.write("dos init --dry-run previews the --hooks merge; pass --hooks <host> "
                         "(e.g. dos init --hooks claude-code --dry-run)\n")
        return REFUSED
    if args.remove and not (hooks or args.mcp):
        raise UsageError("dos init: --remove goes with --hooks HOST or --mcp HOST")
    if args.example:
        sys.stderr.write(f"dos init: --example {args.example}: examples are not bundled with DOS; the lanes are "
                         "inferred from the top-level directories instead\n")
    wiring = bool(hooks or args.mcp)
    if not (wiring and args.scope == "user"):
        root.mkdir(parents=True, exist_ok=True)
    if not wiring:
        _write_config(root, force=args.force, quiet_if_present=False)
    if hooks:
        from dos.hooks import install

        install.run_installer(root, hooks, remove=args.remove, dry_run=args.dry_run, scope=args.scope,
                              force=args.force)
    if args.mcp:
        from dos.mcp import install as mcp_install

        mcp_install.run_installer(root, args.mcp, remove=args.remove)
    return OK


def _write_config(root: Path, *, force: bool, quiet_if_present: bool) -> None:
    from dos.config import CONFIG_NAME, parse_config

    path = root / CONFIG_NAME
    lanes = infer_lanes(root)
    text = render_dos_toml(lanes)
    parse_config(text, path)  # what we write must load
    if path.exists() and not force:
        if not quiet_if_present:
            print(f"{path} already exists; left unchanged (dos init --force rewrites it)")
        return
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    if lanes:
        print(f"wrote {path}: {len(lanes)} concurrent lane(s) ({', '.join(lanes)}) + an exclusive 'global'")
    else:
        print(f"wrote {path}: no source directories, so one exclusive lane 'main' owns the tree")
    print(f"next: dos doctor --workspace {_shell_path(root)}")


def _shell_path(path: Path) -> str:
    try:
        rel = path.relative_to(Path.cwd())
        return str(rel) if str(rel) != "." else "."
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------- lint


def configure_lint(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print findings as JSON")
    p.add_argument("--errors-only", action="store_true", help="fail only on error findings (not warnings)")


def run_lint(args: argparse.Namespace, ctx) -> int:
    from dos.service.doctor import collect_findings

    findings = collect_findings(ctx.config)
    failing = {"error"} if args.errors_only else {"error", "warn"}
    if args.json:
        counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warn", "info")}
        print_json({"counts": counts, "findings": [f.to_dict() for f in findings]})
    elif findings:
        for f in findings:
            print(f.line())
    else:
        print("config clean: no dead or conflicting policy in the lanes or the reason registry")
    return exit_code("lint", "findings" if any(f.severity in failing for f in findings) else "clean")


# --------------------------------------------------------------------------- exit-codes


def configure_exit_codes(p: argparse.ArgumentParser) -> None:
    p.add_argument("verb", nargs="?", help="one verb (default: all)")
    p.add_argument("--json", action="store_true")


def run_exit_codes(args: argparse.Namespace, ctx) -> int:
    from dos.exitcodes import EXIT_CODES

    if args.verb is not None:
        matches = {v: c for v, c in EXIT_CODES.items() if v == args.verb or v.startswith(args.verb + " ")}
        if not matches:
            raise UsageError(f"dos exit-codes: {args.verb!r} has no verdict codes "
                             f"(verdict verbs: {', '.join(sorted({v.split()[0] for v in EXIT_CODES}))})")
    else:
        matches = dict(EXIT_CODES)
    if args.json:
        print_json({v: dict(c) for v, c in matches.items()})
        return OK
    print("The exit code is the verdict: a shell or CI step branches on it directly.")
    for verb, codes in sorted(matches.items()):
        print(f"\n{verb}")
        for token, code in sorted(codes.items(), key=lambda kv: (kv[1], kv[0])):
            print(f"  {code:>3}  {token}")
    return OK


# --------------------------------------------------------------------------- doctor


def configure_doctor(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--check", action="store_true", help="exit 1 if there are findings")


def run_doctor(args: argparse.Namespace, ctx) -> int:
    from dos.service.doctor import gather

    report = gather(ctx.service, check=args.check)
    if args.json:
        print_json(report)
    else:
        _print_doctor(report)
    if args.check:
        for f in report.get("findings", []):
            if not args.json:
                sys.stderr.write(f"finding: {f['line']}\n")
        bad = any(f["severity"] in ("error", "warn") for f in report.get("findings", []))
        return exit_code("doctor --check", "findings" if bad else "clean")
    return OK


def _print_doctor(r: dict) -> None:
    rows = [
        ("dos", r["dos_version"]),
        ("workspace root", f"{r['workspace']}  (found by {r['found_by']})"),
        ("config", r["config"] or "none (built-in defaults; `dos init` writes one)"),
        ("concurrent lanes", ", ".join(r["lanes"]["concurrent"]) or "(none)"),
        ("exclusive lanes", ", ".join(r["lanes"]["exclusive"]) or "(none)"),
        ("autopick order", ", ".join(r["lanes"]["autopick"]) or "(none)"),
    ]
    for lane, tree in r["lanes"]["trees"].items():
        rows.append((f"  tree {lane}", ", ".join(tree) or "(empty: unknown blast radius)"))
    rows.append(("stamp convention", r["stamp"]["summary"]))
    rows.append(("plans glob", r["paths"]["plans_glob"]))
    g = r["git_detail"]
    rows.append(("git", f"{g['top']} @ {g['head'][:12]}" if g["head"] else ("repo, no commits" if g["repo"] else "not a git repository")))
    s = r["store"]
    rows.append(("store", f"{s['engine']} {s['location']}  ({s['detail']})"))
    hooks, health = r["hooks_wired"], r.get("hooks_health", {})
    rows.append(("hooks wired", ", ".join(f"{h} ({len(ev)})" for h, ev in hooks.items()
                                          if health.get(h, {}).get("runs", True)) or
                 "none (run `dos init --hooks HOST` to bind an agent host)"))
    for host, h in health.items():
        if not h.get("runs"):
            rows.append((f"  {host}", f"NOT RUNNING: {h.get('problem')}; fix: {h.get('fix')}"))
    width = max(len(k) for k, _ in rows) + 2
    for key, value in rows:
        print(f"{paint(key.ljust(width), 'bold')}{value}")
