"""Wire DOS hooks into each agent host's own config, idempotently, and undo exactly that.

``dos init --hooks HOST [--scope project|user] [--remove] [--dry-run] [--force]``.

JSON configs are merged in place (the user's keys, order and entries kept; ours appended).
Codex's TOML goes through tomlkit (``dos.service.wiring_files``), so comments and layout
survive. Which command each file gets, and where each host keeps its files, is
``dos.service.wiring``: machine-local files get this interpreter's absolute command,
files a team commits get the portable ``dos-hook`` command.

After writing, what the host needs before the hooks run is done or printed: Codex's
project trust and hook review (through ``codex app-server``), Gemini's folder trust, and
git ignoring Claude Code's ``settings.local.json``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, Mapping

from dos.errors import ConfigError, UsageError
from dos.hooks import HOSTS
from dos.service.wiring import (FENCE_CLOSE, FENCE_OPEN, HOST_MARKERS, SPECS, HostSpec,  # noqa: F401
                               absolute_command, command_for_scope, config_file, dos_entries, installed_command,
                               is_dos_command, is_portable, remove_fenced, toml_events, wired_hosts)
from dos.service.wiring_files import JsonFile, dump_json, fail, keep_tail, write_atomic

def command_for(host: str, verb: str, program: str | None = None, scope: str = "project") -> str:
    """The command HOST's file gets for VERB (PROGRAM replaces the hook program, for tests)."""
    if program:
        return f"{program} {verb} --dialect {host}" + (" --scope user" if scope == "user" else "")
    return command_for_scope(host, verb, scope)


def commands(spec: HostSpec, scope: str, program: str | None = None) -> dict[str, str]:
    return {event: command_for(spec.host, verb, program, scope) for event, verb in spec.events}


# --------------------------------------------------------------------------- JSON hosts


def _entry(spec: HostSpec, cmd: str) -> dict[str, Any]:
    return {"command": cmd} if spec.shape == "flat" else {"hooks": [{"type": "command", "command": cmd}]}


def _event_is_dos(items: Any, shape: str) -> bool:
    if not isinstance(items, list):
        return False
    if shape == "flat":
        return any(isinstance(e, dict) and is_dos_command(e.get("command")) for e in items)
    return any(isinstance(h, dict) and is_dos_command(h.get("command"))
               for g in items if isinstance(g, dict) and isinstance(g.get("hooks"), list) for h in g["hooks"])


def merge_json(data: dict[str, Any], spec: HostSpec, cmds: Mapping[str, str] | str,
               *, path: str = "") -> tuple[dict[str, Any], list[str]]:
    """DATA with DOS hooks appended for every event not wired yet; returns (new data, events added).

    CMDS maps each event to its command (a plain string is a hook program, as older callers passed).
    """
    if isinstance(cmds, str):
        cmds = {e: f"{cmds} {verb} --dialect {spec.host}" for e, verb in spec.events}
    where = path or spec.path
    out = json.loads(json.dumps(data))
    if spec.shape == "flat" and not out:
        out["version"] = 1  # only in a file we create, so --remove can undo it exactly
    hooks = out.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise fail(where, "'hooks' must be an object", "fix it, then rerun dos init --hooks")
    added = []
    for event, _verb in spec.events:
        items = hooks.setdefault(event, [])
        if not isinstance(items, list):
            raise fail(where, f"hooks.{event} must be a list", "fix it, then rerun dos init --hooks")
        if _event_is_dos(items, spec.shape):
            continue
        items.append(_entry(spec, cmds[event]))
        added.append(event)
    return out, added


def strip_json(data: dict[str, Any], spec: HostSpec) -> tuple[dict[str, Any], int]:
    """DATA without any DOS hook entry; empty lists and groups left behind are dropped."""
    out = json.loads(json.dumps(data))
    hooks = out.get("hooks")
    if not isinstance(hooks, dict):
        return out, 0
    removed = 0
    for event in list(hooks):
        items = hooks[event]
        if not isinstance(items, list):
            continue
        kept = []
        for item in items:
            if spec.shape == "flat":
                if isinstance(item, dict) and is_dos_command(item.get("command")):
                    removed += 1
                    continue
            elif isinstance(item, dict) and isinstance(item.get("hooks"), list):
                inner = [e for e in item["hooks"] if not (isinstance(e, dict) and is_dos_command(e.get("command")))]
                removed += len(item["hooks"]) - len(inner)
                if not inner and item["hooks"]:
                    continue
                item = dict(item, hooks=inner)
            kept.append(item)
        if kept:
            hooks[event] = kept
        else:
            del hooks[event]
    if not hooks:
        del out["hooks"]
        if spec.shape == "flat" and out == {"version": 1}:
            out = {}
    return out, removed


# --------------------------------------------------------------------------- Codex TOML


def _group(cmd: str, *, inline: bool) -> Any:
    import tomlkit

    handler = tomlkit.inline_table()
    handler.update({"type": "command", "command": cmd})
    inner = tomlkit.array()
    inner.append(handler)
    group = tomlkit.inline_table() if inline else tomlkit.table()
    group["hooks"] = inner
    return group


def _events_table(doc: Any, path: Path) -> Any:
    import tomlkit

    hooks = doc.get("hooks")
    if hooks is None:
        doc["hooks"] = tomlkit.table(is_super_table=True)
        hooks = doc["hooks"]
    if not hasattr(hooks, "get") or isinstance(hooks, (str, list)):
        raise fail(path, "'hooks' must be a table", "fix it, then rerun dos init --hooks codex")
    return hooks


def add_toml(doc: Any, spec: HostSpec, cmds: Mapping[str, str], path: Path) -> list[str]:
    """Append a DOS group to every event of DOC that has none; returns the events added."""
    import tomlkit
    from tomlkit.items import AoT, Array, InlineTable

    hooks = _events_table(doc, path)
    inline = isinstance(hooks, InlineTable)
    added = []
    for event, _verb in spec.events:
        have = hooks.get(event)
        if have is None:
            seq = tomlkit.array() if inline else tomlkit.aot()
            seq.append(_group(cmds[event], inline=inline))
            hooks[event] = seq
        elif isinstance(have, (AoT, Array)):
            if _event_is_dos(have.unwrap(), "groups"):
                continue
            have.append(_group(cmds[event], inline=isinstance(have, Array)))
        else:
            raise fail(path, f"hooks.{event} must be an array of tables", "fix it, then rerun dos init --hooks codex")
        added.append(event)
    return added


def strip_toml(doc: Any) -> int:
    """Remove every DOS handler from DOC (groups left empty, and events and tables left empty, go too)."""
    from tomlkit.items import AoT, Array

    hooks = doc.get("hooks")
    if hooks is None or not hasattr(hooks, "get"):
        return 0
    removed = 0
    for event in [k for k in list(hooks.keys()) if k != "state"]:
        groups = hooks.get(event)
        if not isinstance(groups, (AoT, Array)):
            continue
        for g in range(len(groups) - 1, -1, -1):
            group = groups[g]
            inner = group.get("hooks") if hasattr(group, "get") else None
            if not isinstance(inner, (AoT, Array)):
                continue
            before = len(inner)
            for h in range(len(inner) - 1, -1, -1):
                handler = inner[h]
                if hasattr(handler, "get") and is_dos_command(handler.get("command")):
                    del inner[h]
                    removed += 1
            if before and not len(inner):
                del groups[g]
        if not len(groups):
            del hooks[event]
    if not len(hooks):
        del doc["hooks"]
    return removed


# --------------------------------------------------------------------------- entry points


def detect_hosts(root: Path) -> list[str]:
    """Hosts with a config directory in ROOT or a command on PATH."""
    return [h for h, (d, exe) in HOST_MARKERS.items() if (root / d).is_dir() or shutil.which(exe)]


def run_installer(root: Path, host: str, *, remove: bool = False, dry_run: bool = False, scope: str = "project",
                  force: bool = False, env: Mapping[str, str] | None = None) -> None:
    """Wire (or with REMOVE unwire) HOST's hooks for ROOT in SCOPE; ``auto`` means every host detected."""
    env = dict(os.environ if env is None else env)
    root = Path(root).resolve()
    if host == "auto":
        hosts = [h for h in detect_hosts(root) if scope == "project" or config_file(root, h, scope, env)]
        if not hosts:
            raise UsageError(f"no agent host found in {root} ({', '.join(d for d, _ in HOST_MARKERS.values())}) "
                             "or on PATH; name one: dos init --hooks claude-code")
    elif host in SPECS:
        hosts = [host]
    else:
        raise UsageError(f"unknown host {host!r} (known: {', '.join(HOSTS)}, auto)")
    if scope == "user":
        missing = [h for h in hosts if config_file(root, h, "user", env) is None]
        if missing and host != "auto":
            raise UsageError(f"{missing[0]} has no user-scope hooks file DOS knows; use --scope project")
    for h in hosts:
        print(install_one(root, SPECS[h], scope=scope, remove=remove, dry_run=dry_run, force=force, env=env))


def install_one(root: Path, spec: HostSpec, program: str | None = None, *, remove: bool = False,
                dry_run: bool = False, scope: str = "project", force: bool = False,
                env: Mapping[str, str] | None = None) -> str:
    """Apply one host's change; return the lines to print. Writes atomically, or not at all."""
    env = dict(os.environ if env is None else env)
    root = Path(root)
    path = config_file(root, spec.host, scope, env)
    if path is None:
        raise UsageError(f"{spec.host} has no user-scope hooks file DOS knows; use --scope project")
    cmds = commands(spec, scope, program)
    legacy = [root / rel for rel in spec.legacy] if scope == "project" else []
    lines: list[str] = []
    plan = (_plan_toml if spec.shape == "toml" else _plan_json)(path, spec, cmds, remove=remove, force=force)
    changed, events, before, after, commented = plan
    legacy_plans = []
    for old in legacy:
        if old.is_file() and (remove or force):
            lp = _plan_json(old, spec, cmds, remove=True, force=False)
            if lp[0]:
                legacy_plans.append((old, lp))
        elif old.is_file() and not remove:
            try:
                if dos_entries(old, spec.shape):
                    lines.append(f"  note: {old} also runs DOS hooks (an older install); "
                                 f"dos init --hooks {spec.host} --force moves them to {path.name}")
            except ConfigError:
                pass
    verb = "unwire" if remove else "wire"
    stale = [] if remove or force else _stale(path, spec, cmds)
    if stale:
        lines.insert(0, f"  note: {', '.join(stale)} run(s) an older DOS command; repair it with "
                        f"dos init --hooks {spec.host}{' --scope user' if scope == 'user' else ''} --force")
    tail = "\n".join(lines)
    if not changed and not legacy_plans:
        what = "no DOS hooks in" if remove else "already wired:"
        out = f"{spec.host}: {what} {path} (nothing changed)"
        if not remove and not dry_run:
            out += _after(root, spec, scope, path, env, quiet=True)
        return out + (f"\n{tail}" if tail else "")
    if dry_run:
        shown = f"{spec.host}: would {verb} {path}; the file would read:\n{after}"
        for old, _lp in legacy_plans:
            shown += f"\n{spec.host}: would also remove DOS hooks from {old}"
        return shown
    for old, lp in legacy_plans:
        if lp[4]:
            _commit(old, lp[2], lp[3], True)
    if changed:
        _commit(path, before, after, commented)
    for old, lp in legacy_plans:
        _commit(old, lp[2], lp[3])
    if remove:
        out = (f"{spec.host}: removed DOS hooks from {path}" if after.strip() or not changed
               else f"{spec.host}: removed DOS hooks; {path} held nothing else and was deleted")
        for old, _lp in legacy_plans:
            out += f"\n{spec.host}: removed the older DOS hooks from {old}"
        out += _after_remove(root, spec, scope, path, env)
        return out
    out = f"{spec.host}: wired {len(events)} DOS hook(s) into {path}: {', '.join(events)}" if events else \
        f"{spec.host}: repaired DOS hooks in {path}"
    for old, _lp in legacy_plans:
        out += f"\n{spec.host}: moved the older DOS hooks out of {old}"
    out += _after(root, spec, scope, path, env)
    out += f"\n  check it: dos hook selftest {spec.host}"
    if spec.note:
        out += f"\n  note: {spec.note}"
    return out + (f"\n{tail}" if tail else "")


def _plan_json(path: Path, spec: HostSpec, cmds: Mapping[str, str], *, remove: bool, force: bool
               ) -> tuple[bool, list[str], str | None, str, bool]:
    f = JsonFile(path, comments=spec.comments)
    data = f.data
    if remove or force:
        data, n = strip_json(data, spec)
        stripped = n
    else:
        stripped = 0
    if remove:
        new, events = data, []
    else:
        new, events = merge_json(data, spec, cmds, path=str(path))
    changed = bool(events or stripped) and new != f.data
    after = dump_json(new) if new else ""
    return changed, events, f.text, after, changed and f.had_comments


def _plan_toml(path: Path, spec: HostSpec, cmds: Mapping[str, str], *, remove: bool, force: bool
               ) -> tuple[bool, list[str], str | None, str, bool]:
    from dos.service.wiring_files import dump_toml, parse_toml, read_text

    before = read_text(path)
    text = before or ""
    fenced = 0
    if remove or force:
        text, fenced = remove_fenced(text)
    doc = parse_toml(text, path)
    stripped = strip_toml(doc) if remove or force else 0
    events = [] if remove else add_toml(doc, spec, cmds, path)
    after = keep_tail(dump_toml(doc, path), before)
    changed = after != (before or "") and bool(events or stripped or fenced)
    return changed, events, before, after, False


def _commit(path: Path, before: str | None, after: str, commented: bool = False) -> None:
    if commented:
        raise fail(path, "has comments, which rewriting it would drop",
                   "remove the comments, or add DOS's hooks by hand (--dry-run shows them)")
    if not after.strip():
        if before is not None:
            path.unlink()
        return
    write_atomic(path, after)


def _stale(path: Path, spec: HostSpec, cmds: Mapping[str, str]) -> list[str]:
    try:
        return [e.event for e in dos_entries(path, spec.shape) if e.command != cmds.get(e.event, e.command)]
    except ConfigError:
        return []


# --------------------------------------------------------------------------- what the host needs next


def _after(root: Path, spec: HostSpec, scope: str, path: Path, env: Mapping[str, str], quiet: bool = False) -> str:
    """Lines (each starting with a newline) for what the host needs before these hooks run."""
    out = []
    if scope == "project" and spec.portable and not shutil.which("dos-hook", path=env.get("PATH")):
        out.append(f"  note: {path.name} (usually committed) runs `dos-hook` from PATH, and this PATH has none: "
                   f"tool calls are refused until it has; or wire this machine: dos init --hooks {spec.host} "
                   "--scope user")
    if spec.host == "claude-code" and scope == "project":
        from dos.service.wiring_local import ensure_ignored

        note = ensure_ignored(root, path)
        if note:
            out.append(note)
    if spec.host == "codex":
        out += _codex_after(root, scope, path, env, quiet)
    if spec.host == "gemini" and (scope == "project" or (root / "dos.toml").is_file()):
        out += _gemini_after(root, scope, env)
    lines = [ln for ln in out if ln]
    return "".join("\n" + ln for ln in lines)


def _after_remove(root: Path, spec: HostSpec, scope: str, path: Path, env: Mapping[str, str]) -> str:
    out = []
    if spec.host == "claude-code" and scope == "project" and not path.exists():
        from dos.service.wiring_local import EXCLUDE_LINE, unexclude

        if unexclude(root):
            out.append(f"  git no longer ignores {EXCLUDE_LINE} for DOS (.git/info/exclude)")
    if spec.host == "codex":
        from dos.service import host_codex

        try:
            done = host_codex.untrust(path, root if scope == "project" else None, env)
        except ConfigError as exc:
            done = []
            out.append(f"  note: {exc}")
        if done:
            out.append(f"  removed {len(done)} review/trust record(s) DOS had written to "
                       f"{host_codex.codex_home(env) / 'config.toml'}")
    return "".join("\n" + ln for ln in out)


def _codex_after(root: Path, scope: str, path: Path, env: Mapping[str, str], quiet: bool) -> list[str]:
    from dos.service import host_codex

    codex = host_codex.find_codex(env)
    where = host_codex.codex_home(env) / "config.toml"
    if codex is None:
        steps = []
        if scope == "project" and not host_codex.project_trusted(root, env):
            steps.append(f"trust the project (`codex exec --trust` once in {root}, or accept Codex's prompt)")
        steps.append("review DOS's hooks with /hooks in Codex")
        return [f"  codex not found (PATH or ${host_codex.BIN_ENV}), so Codex will skip these hooks until you "
                f"{' and '.join(steps)}; or rerun with codex on PATH and DOS does it"]
    try:
        hooks = host_codex.trust(root, project=scope == "project", codex=codex, env=env)
    except host_codex.CodexError as exc:
        return [f"  note: could not review DOS's hooks through codex app-server ({exc}); "
                "review them with /hooks in Codex"]
    mine = [h for h in hooks if os.path.realpath(str(h.get("sourcePath", ""))) == os.path.realpath(path)]
    pending = [h for h in mine if h.get("trustStatus") not in ("trusted", "managed")]
    if not mine:
        return [f"  note: Codex lists no DOS hook from {path}; run dos hook selftest codex"]
    if pending:
        return [f"  note: {len(pending)} DOS hook(s) still untrusted in Codex; review them with /hooks"]
    if quiet:
        return []
    trust = "trusted the project and " if scope == "project" else ""
    return [f"  codex: {trust}reviewed {len(mine)} DOS hook(s) through codex app-server (recorded in {where})"]


def _gemini_after(root: Path, scope: str, env: Mapping[str, str]) -> list[str]:
    from dos.service.host_gemini import folder_trust, trust_fix

    ok, how = folder_trust(root, env)
    if ok:
        return []
    if scope == "project":
        return [f"  gemini: {root} is not a trusted folder ({how}), so Gemini loads no project settings and "
                f"runs none of these hooks; {trust_fix(root, env)}"]
    return [f"  gemini: {root} is not a trusted folder ({how}); headless `gemini -p` refuses to start there. "
            f"{trust_fix(root, env)}"]
