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


def _hook_hosts() -> list[str]:
    """The hosts ``--hooks`` accepts: every host the wiring registry knows."""
    from dos.service.wiring_base import ALIASES, SPECS

    return sorted({*SPECS, *ALIASES})


def configure_init(p: argparse.ArgumentParser) -> None:
    from dos.service.posture import POSTURES

    p.add_argument("dir", nargs="?", default=None, metavar="DIR", help="workspace to initialise (default: .)")
    p.add_argument("--force", action="store_true",
                   help="rewrite an existing dos.toml; with --hooks: replace DOS's hook entries with the canonical "
                        "ones; with --skills: replace (or with --remove delete) skill copies edited since")
    p.add_argument("--posture", choices=POSTURES,
                   help="set [hooks] posture (observe: record only; warn: tell, block nothing; block: deny foreign "
                        "writes; gate: block plus the stop gate) and set the workspace up: hooks, MCP and the core "
                        "skills for every host found, unless --no-hooks, --no-mcp or --no-skills")
    p.add_argument("--hooks", metavar="HOST", choices=(*_hook_hosts(), "auto"),
                   help="wire DOS hooks into HOST's own config (auto: every host found)")
    p.add_argument("--with-hooks", action="store_true", help="the same as --hooks claude-code")
    p.add_argument("--scope", choices=("project", "user"), default="project",
                   help="with --hooks: the workspace's files (project) or this user's (user: every workspace "
                        "with a dos.toml)")
    p.add_argument("--mcp", metavar="HOST", help="register the DOS MCP server in HOST's own MCP file (auto: every "
                                                  "host found whose MCP file is in the workspace; hosts and files: "
                                                  "docs/mcp-hosts.md)")
    p.add_argument("--skills", action="store_true",
                   help="install the core playbooks in each host's own format (the hosts of --hooks, else every "
                        "host found, else Claude Code and AGENTS.md)")
    p.add_argument("--skill", action="append", default=[], metavar="NAME",
                   help="install the named playbook (repeatable); implies --skills")
    p.add_argument("--all", action="store_true", help="install the whole skill pack; implies --skills")
    p.add_argument("--no-hooks", action="store_true", help="with --posture: wire no hooks")
    p.add_argument("--no-mcp", action="store_true", help="with --posture: register no MCP server")
    p.add_argument("--no-skills", action="store_true", help="with --posture: install no skills")
    p.add_argument("--git-hooks", action="store_true",
                   help="install the prepare-commit-msg (DOS-Lease trailers), pre-commit and pre-push gate hooks "
                        "(as dos scope-gate --install-hooks; with --remove: take them out)")
    p.add_argument("--remove", action="store_true",
                   help="with --hooks, --mcp, --skills or --git-hooks: undo exactly what DOS wrote (skills: from "
                        "every format)")
    p.add_argument("--dry-run", action="store_true", help="with --hooks or --skills: show the change, write nothing")
    p.add_argument("--example", metavar="NAME", help="accepted for compatibility: examples are not bundled")


def _init_root(args: argparse.Namespace, ctx) -> Path:
    if args.dir is not None:
        base = Path(ctx.workspace_arg) if ctx.workspace_arg else Path.cwd()
        return (base / args.dir).resolve()
    if ctx.workspace_arg:
        return Path(ctx.workspace_arg).resolve()
    return Path.cwd().resolve()


def _check_init_flags(args: argparse.Namespace, hooks: str | None, want_skills: bool) -> None:
    """Every flag combination ``dos init`` refuses, before anything is written."""
    asked = [f for f, on in (("--no-hooks", args.no_hooks), ("--no-mcp", args.no_mcp),
                             ("--no-skills", args.no_skills)) if on]
    if args.no_hooks and hooks:
        raise UsageError("dos init: --no-hooks contradicts --hooks/--with-hooks; drop one of them")
    if args.no_mcp and args.mcp:
        raise UsageError("dos init: --no-mcp contradicts --mcp; drop one of them")
    if args.no_skills and want_skills:
        raise UsageError("dos init: --no-skills contradicts --skills/--skill/--all; drop one of them")
    if asked and args.posture is None and not (hooks or args.mcp or want_skills):
        raise UsageError(f"dos init: {asked[0]} goes with --posture (which sets everything up), "
                         "e.g. dos init --posture block " + " ".join(asked))
    if args.posture is not None and args.remove:
        raise UsageError("dos init: --remove undoes --hooks, --mcp or --skills; to change the posture, run "
                         "dos init --posture POSTURE again")
    if want_skills and args.scope == "user":
        raise UsageError("dos init: skills are installed in the workspace, not per user; drop --scope user "
                         "(or install them separately: dos init --skills)")


def run_init(args: argparse.Namespace, ctx) -> int:
    from dos.exitcodes import OK, REFUSED

    root = _init_root(args, ctx)
    setup = args.posture is not None
    hooks = args.hooks or ("claude-code" if args.with_hooks else None)
    want_skills = bool(args.skills or args.skill or args.all)
    _check_init_flags(args, hooks, want_skills)
    implicit_hooks = setup and not hooks and not args.no_hooks
    if implicit_hooks:
        hooks = "auto"
    mcp = args.mcp or ("auto" if setup and not args.no_mcp else None)
    want_skills = want_skills or (setup and not args.no_skills)
    if args.git_hooks and args.dry_run:
        raise UsageError("dos init: --git-hooks has no --dry-run; `dos scope-gate --install-hooks --json` after "
                         "the fact shows what was written")
    if args.dry_run and not (hooks or args.mcp or want_skills):
        sys.stderr.write("dos init --dry-run previews the --hooks merge; pass --hooks <host> "
                         "(e.g. dos init --hooks claude-code --dry-run)\n")
        return REFUSED
    if args.remove and not (hooks or args.mcp or want_skills or args.git_hooks):
        raise UsageError("dos init: --remove goes with --hooks HOST, --mcp HOST, --skills or --git-hooks")
    if args.example:
        sys.stderr.write(f"dos init: --example {args.example}: examples are not bundled with DOS; the lanes are "
                         "inferred from the top-level directories instead\n")
    chosen = None
    if want_skills:
        from dos.service import skills as skill_pack

        chosen = skill_pack.select(args.skill, everything=args.all or (args.remove and not args.skill))
    wiring = bool(hooks or mcp)
    if not (wiring and args.scope == "user") or want_skills:
        root.mkdir(parents=True, exist_ok=True)
    from dos.hooks import install

    found = install.detect_hosts(root) if (hooks == "auto" or mcp == "auto" or want_skills) else []
    if hooks == "auto" and not found and not implicit_hooks:  # refused before anything is written
        raise UsageError(f"dos init: no agent host found in {root} or on PATH; name one: dos init --hooks HOST")
    if setup and args.dry_run:
        print(f"would set [hooks] posture = \"{args.posture}\" in {root / 'dos.toml'}")
    elif setup:
        _set_posture(root, args.posture, force=args.force)
    elif (not wiring or want_skills) and not args.remove and not args.dry_run:
        _write_config(root, force=args.force, quiet_if_present=wiring or want_skills)
    if (root / "dos.toml").is_file() and not args.dry_run:
        from dos.service.home_index import register

        register(root)  # the home index (`dos projects`); a home that cannot be written is skipped
    if implicit_hooks and not found:
        print("hooks: no agent host found here (.claude, .codex, .cursor, .gemini, .agents, ...) or on PATH; "
              "wire one with: dos init --hooks HOST")
    elif hooks:
        install.run_installer(root, hooks, remove=args.remove, dry_run=args.dry_run, scope=args.scope,
                              force=args.force)
    if mcp and not args.dry_run:
        _register_mcp(root, mcp, found, remove=args.remove)
    if chosen is not None:
        from dos.service.wiring_base import resolve_host

        hosts = [resolve_host(hooks)] if hooks and hooks != "auto" else found
        _install_skills(root, chosen, hosts, remove=args.remove, dry_run=args.dry_run, force=args.force)
    if args.git_hooks:
        _git_hooks(root, remove=args.remove, force=args.force)
    if setup and not args.dry_run:
        from dos.service.posture import MEANING

        print(f"posture {args.posture}: {MEANING[args.posture]} ([hooks] posture in dos.toml; docs/postures.md)")
    return OK


def _git_hooks(root: Path, *, remove: bool, force: bool) -> None:
    from dos.service import git_hooks

    changes = git_hooks.remove(root) if remove else git_hooks.install(root, force=force)
    for c in changes:
        note = "  (not DOS's: left alone; --force keeps it as .local and chains it)" if c.action == "foreign" else ""
        print(f"git hook {c.action:<10} {c.hook:<19} {c.path}{note}")


def _register_mcp(root: Path, mcp: str, found: list[str], *, remove: bool) -> None:
    """``--mcp HOST``, or for auto every host found whose MCP file lives in the workspace."""
    from dos.mcp import install as mcp_install

    if mcp != "auto":
        mcp_install.run_installer(root, mcp, remove=remove)
        return
    hosts = [h for h in found if h in mcp_install.HOSTS and root in mcp_install.config_path(root, h).parents]
    if not hosts:
        print("mcp: no host found here whose MCP server list lives in the workspace; register one with: "
              "dos init --mcp HOST")
    for host in hosts:
        mcp_install.run_installer(root, host, remove=remove)


def _install_skills(root: Path, chosen: list, hosts: list[str], *, remove: bool, dry_run: bool,
                    force: bool) -> None:
    from dos.service import skills as skill_pack

    if remove:
        formats = list(skill_pack.FORMATS)  # undo everywhere DOS may have written, whatever is installed now
        changes = skill_pack.plan_remove(root, chosen, formats, force=force)
    else:
        formats = skill_pack.formats_for(hosts) if hosts else list(skill_pack.FALLBACK_FORMATS)
        formats += [f for f in skill_pack.installed(root) if f not in formats]  # keep earlier installs in step
        changes = skill_pack.plan_install(root, chosen, formats, force=force)
    if dry_run:
        for line in skill_pack.preview(changes, root):
            print(line)
        return
    skill_pack.apply(changes, root)
    for line in skill_pack.summary([c for c in changes if c.what != "absent"], root):
        print(line)
    if not remove and not hosts:
        print("  (no agent host found here or on PATH, so the skills went where Claude Code and AGENTS.md readers "
              "look; name a host to choose: dos init --hooks HOST --skills)")


def _set_posture(root: Path, posture: str, *, force: bool) -> None:
    """Write ``[hooks] posture`` into ROOT's dos.toml (a fresh one when there is none, or with FORCE),
    keeping every other line, comment and key of an existing file."""
    from dos.config import CONFIG_NAME, parse_config
    from dos.service.wiring_files import dump_toml, parse_toml, read_text, toml_set, write_atomic

    path = root / CONFIG_NAME
    before = None if force else read_text(path)
    if before is None:
        lanes = infer_lanes(root)
        text = render_dos_toml(lanes) + f'\n[hooks]\nposture = "{posture}"\n'
    else:
        doc = parse_toml(before, path)
        if not toml_set(doc, ("hooks", "posture"), posture, path):
            print(f"{path}: [hooks] posture is already \"{posture}\"")
            return
        text = dump_toml(doc, path)
    parse_config(text, path)  # what we write must load (an existing file's own error names the file and key)
    write_atomic(path, text)
    print(f"wrote {path}: [hooks] posture = \"{posture}\"" if before is not None else
          f"wrote {path}: lanes from the top-level directories, [hooks] posture = \"{posture}\"")


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
