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

import copy
import os
import shlex
import shutil
from pathlib import Path
from typing import Any, Mapping

from dos.errors import ConfigError, UsageError
from dos.hooks import HOSTS
from dos.service.wiring import (FENCE_CLOSE, FENCE_OPEN, HOST_MARKERS, SPECS, HostSpec,  # noqa: F401
                               absolute_command, command_for_scope, config_file, dos_entries, installed_command,
                               is_dos_command, is_portable, remove_fenced, toml_events, wired_hosts)
from dos.service.wiring_base import (ALIASES, is_script, resolve_host,
                                     script_path, spec_entries)
from dos.service.wiring_files import JsonFile, dump_json, fail, keep_tail, write_atomic
from dos.hooks.install_plugin import plan_plugin

def command_for(host: str, verb: str, program: str | None = None, scope: str = "project") -> str:
    """The command HOST's file gets for VERB (PROGRAM replaces the hook program, for tests)."""
    if program:
        return f"{program} {verb} --dialect {host}" + (" --scope user" if scope == "user" else "")
    return command_for_scope(host, verb, scope)


def commands(spec: HostSpec, scope: str, program: str | None = None) -> dict[str, str]:
    return {event: command_for(spec.host, verb, program, scope) for event, verb in spec.events}


# --------------------------------------------------------------------------- JSON hosts


def _entry(spec: HostSpec, cmd: str, event: str) -> dict[str, Any]:
    """One DOS handler for EVENT as SPEC's host writes it (its command field, mirrors and fixed fields)."""
    fixed = {**dict(spec.extra), **dict(dict(spec.per_event).get(event, ()))}
    if spec.shape == "flat":
        return {spec.key: cmd, **{m: cmd for m in spec.mirror}, **fixed}
    return {"hooks": [{"type": "command", "command": cmd, **fixed}]}


def _is_dos_handler(item: Any, key: str) -> bool:
    return isinstance(item, dict) and is_dos_command(item.get(key))


def _event_is_dos(items: Any, shape: str, key: str = "command") -> bool:
    if not isinstance(items, list):
        return False
    if shape == "flat":
        return any(_is_dos_handler(e, key) for e in items)
    return any(_is_dos_handler(h, key)
               for g in items if isinstance(g, dict) and isinstance(g.get("hooks"), list) for h in g["hooks"])


def merge_json(data: dict[str, Any], spec: HostSpec, cmds: Mapping[str, str] | str,
               *, path: str = "") -> tuple[dict[str, Any], list[str]]:
    """DATA with DOS hooks appended for every event not wired yet; returns (new data, events added).

    CMDS maps each event to its command (a plain string is a hook program, as older callers passed).
    """
    if isinstance(cmds, str):
        cmds = {e: f"{cmds} {verb} --dialect {spec.host}" for e, verb in spec.events}
    where = path or spec.path
    out = copy.deepcopy(data)  # YAML data may hold dates: no JSON round trip
    if not out:
        out.update(spec.created)  # only in a file we create, so --remove can undo it exactly
    hooks = out.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise fail(where, "'hooks' must be an object", "fix it, then rerun dos init --hooks")
    added = []
    for event, _verb in spec.events:
        items = hooks.setdefault(event, [])
        if not isinstance(items, list):
            raise fail(where, f"hooks.{event} must be a list", "fix it, then rerun dos init --hooks")
        if _event_is_dos(items, spec.shape, spec.key):
            continue
        items.append(_entry(spec, cmds[event], event))
        added.append(event)
    return out, added


def strip_json(data: dict[str, Any], spec: HostSpec) -> tuple[dict[str, Any], int]:
    """DATA without any DOS hook entry; empty lists and groups left behind are dropped."""
    out = copy.deepcopy(data)  # YAML data may hold dates: no JSON round trip
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
                if _is_dos_handler(item, spec.key):
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
        if spec.created and out == dict(spec.created):
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


# --------------------------------------------------------------------------- [[hooks]] tables (Kimi Code, Mistral Vibe)


def _hook_tables(doc: Any, path: Path) -> Any:
    """DOC's ``hooks`` array of tables (None when it has none); anything else is refused."""
    from tomlkit.items import AoT, Array

    hooks = doc.get("hooks")
    if hooks is None or isinstance(hooks, (AoT, Array)):
        return hooks
    raise fail(path, "'hooks' must be an array of tables ([[hooks]])", "fix it, then rerun dos init --hooks")


def add_toml_list(doc: Any, spec: HostSpec, cmds: Mapping[str, str], path: Path) -> list[str]:
    """Append a ``[[hooks]]`` table for every event of SPEC that runs no DOS hook yet."""
    import tomlkit
    from tomlkit.items import AoT

    hooks = _hook_tables(doc, path)
    have = {str(t.get(spec.event_key)) for t in (hooks or []) if hasattr(t, "get") and is_dos_command(t.get("command"))}
    added = []
    for event, _verb in spec.events:
        if event in have:
            continue
        if hooks is None:
            doc["hooks"] = tomlkit.aot()
            hooks = doc["hooks"]
        table = tomlkit.table() if isinstance(hooks, AoT) else tomlkit.inline_table()
        table.update({spec.event_key: event, "command": cmds[event], **dict(spec.extra),
                      **dict(dict(spec.per_event).get(event, ()))})
        hooks.append(table)
        added.append(event)
    return added


def strip_toml_list(doc: Any, path: Path) -> int:
    """Remove every ``[[hooks]]`` table that runs a DOS command (and ``hooks`` when none is left)."""
    hooks = _hook_tables(doc, path)
    if hooks is None:
        return 0
    removed = 0
    for i in range(len(hooks) - 1, -1, -1):
        if hasattr(hooks[i], "get") and is_dos_command(hooks[i].get("command")):
            del hooks[i]
            removed += 1
    if not len(hooks):
        del doc["hooks"]
    return removed


def _plan_toml_list(path: Path, spec: HostSpec, cmds: Mapping[str, str], *, remove: bool, force: bool
                    ) -> tuple[bool, list[str], str | None, str, bool]:
    from dos.service.wiring_files import dump_toml, parse_toml, read_text

    before = read_text(path)
    doc = parse_toml(before or "", path)
    stripped = strip_toml_list(doc, path) if remove or force else 0
    events = [] if remove else add_toml_list(doc, spec, cmds, path)
    after = keep_tail(dump_toml(doc, path), before)
    changed = after != (before or "") and bool(events or stripped)
    return changed, events, before, after, False


# --------------------------------------------------------------------------- entry points


def detect_hosts(root: Path, env: Mapping[str, str] | None = None) -> list[str]:
    """Hosts with a config directory in ROOT or a command on PATH."""
    path = (os.environ if env is None else env).get("PATH")
    return [h for h, (d, exe) in HOST_MARKERS.items()
            if (d and (root / d).is_dir()) or (exe and shutil.which(exe, path=path))]


def no_file(spec: HostSpec, scope: str) -> str:
    """Why SPEC's host cannot be wired in SCOPE, and what to run instead."""
    if scope == "project":
        return (f"{spec.host}: not wired: {spec.name} reads hooks only from the user's own file, not a project's; "
                f"wire it with: dos init --hooks {spec.host} --scope user")
    return f"{spec.host}: not wired: DOS knows no user-scope hooks file for {spec.name}; use --scope project"


def run_installer(root: Path, host: str, *, remove: bool = False, dry_run: bool = False, scope: str = "project",
                  force: bool = False, env: Mapping[str, str] | None = None) -> None:
    """Wire (or with REMOVE unwire) HOST's hooks for ROOT in SCOPE; ``auto`` means every host detected.

    A host the project scope cannot hold (Kimi Code reads only the user's file) is skipped with one
    line saying so and what to run, so ``auto`` (which the CLI expands into the hosts it detects)
    still wires every other host; naming such a host explicitly is a usage error (exit 2).
    """
    env = dict(os.environ if env is None else env)
    root = Path(root).resolve()
    if host == "auto":
        hosts = detect_hosts(root, env)
        if not hosts:
            raise UsageError(f"no agent host found in {root} ({', '.join(d for d, _ in HOST_MARKERS.values() if d)}) "
                             "or on PATH; name one: dos init --hooks claude-code")
    elif host in SPECS or host in ALIASES:
        hosts = [resolve_host(host)]
    else:
        raise UsageError(f"unknown host {host!r} (known: {', '.join(HOSTS)}, auto)")
    for h in hosts:
        if config_file(root, h, scope, env) is None:
            if host != "auto":  # asked for by name: nothing wired is a failure, not a note
                raise UsageError(no_file(SPECS[h], scope).split(": not wired: ", 1)[-1])
            print(no_file(SPECS[h], scope))  # auto: said plainly, and the other hosts are still wired
            continue
        print(install_one(root, SPECS[h], scope=scope, remove=remove, dry_run=dry_run, force=force, env=env))


def install_one(root: Path, spec: HostSpec, program: str | None = None, *, remove: bool = False,
                dry_run: bool = False, scope: str = "project", force: bool = False,
                env: Mapping[str, str] | None = None) -> str:
    """Apply one host's change; return the lines to print. Writes atomically, or not at all."""
    env = dict(os.environ if env is None else env)
    root = Path(root)
    path = config_file(root, spec.host, scope, env)
    if path is None:
        raise UsageError(no_file(spec, scope).split(": ", 2)[-1])
    cmds = commands(spec, scope, program)
    scripts = {}
    if spec.script:  # the file names a script per verb; the script runs the command
        scripts = {script_path(path, verb): cmds[event] for event, verb in spec.events}
        cmds = {event: shlex.quote(str(script_path(path, verb))) for event, verb in spec.events}
    legacy = [root / rel for rel in spec.legacy] if scope == "project" else []
    lines: list[str] = []
    planner = {"toml": _plan_toml, "toml-list": _plan_toml_list, "plugin": plan_plugin}.get(spec.shape, _plan_json)
    if spec.fmt == "yaml":
        planner = _plan_yaml
    plan = planner(path, spec, cmds, remove=remove, force=force)
    changed, events, before, after, commented = plan
    legacy_plans = []
    for old in legacy:
        if old.is_file() and (remove or force):
            lp = _plan_json(old, spec, cmds, remove=True, force=False)
            if lp[0]:
                legacy_plans.append((old, lp))
        elif old.is_file() and not remove:
            try:
                if spec_entries(old, spec):
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
    scripts_changed = _scripts_differ(scripts, remove)
    if not changed and not legacy_plans and not scripts_changed:
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
    _write_scripts(scripts, remove)
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
    if changed and f.had_comments and f.text is not None:
        spliced = _splice_jsonc(path, f.text, f.data, new)
        if spliced is not None:
            return changed, events, f.text, spliced, False
    after = dump_json(new) if new else ""
    return changed, events, f.text, after, changed and f.had_comments


def _plan_yaml(path: Path, spec: HostSpec, cmds: Mapping[str, str], *, remove: bool, force: bool
               ) -> tuple[bool, list[str], str | None, str, bool]:
    """The JSON shapes in a YAML file (Hermes): each ``hooks.<event>`` DOS changes is spliced into
    the text, so the user's comments and the rest of the file stay as they were."""
    from dos.service.wiring_files import read_text
    from dos.service.yaml_edit import edit, load

    before = read_text(path)
    data = load(before or "", path)
    base, stripped = strip_json(data, spec) if remove or force else (data, 0)
    new, events = (base, []) if remove else merge_json(base, spec, cmds, path=str(path))
    changed = bool(events or stripped) and new != data
    if not changed:
        return False, events, before, before or "", False
    old_hooks, new_hooks = data.get("hooks") or {}, new.get("hooks") or {}
    text: str | None = before
    lost = False
    for event in [*old_hooks, *(e for e in new_hooks if e not in old_hooks)]:
        if old_hooks.get(event) != new_hooks.get(event):
            text, _, dropped = edit(text, "hooks", event, new_hooks.get(event), path)
            lost = lost or dropped
    from collections import Counter

    from dos.service.yaml_edit import comments

    lost = lost or bool(Counter(comments(before or "")) - Counter(comments(text or "")))  # one inside a list DOS replaced
    return changed, events, before, text or "", lost


def _splice_jsonc(path: Path, text: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """NEW written into the commented TEXT by editing in place only the members that differ (two
    levels deep: ``hooks.<Event>``), so the user's comments and layout stay; None where that
    cannot be done without losing a comment (the caller then refuses, as for any rewrite)."""
    from collections import Counter

    from dos.service import jsonc_edit
    from dos.service.wiring_files import comments_of

    edits: list[tuple[list[str], Any]] = []
    for key in [*old, *(k for k in new if k not in old)]:
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            edits += [([key, sub], b.get(sub)) for sub in [*a, *(k for k in b if k not in a)] if a.get(sub) != b.get(sub)]
        else:
            edits.append(([key], b))
    if any(value is None and keys[-1] in (new.get(keys[0]) if len(keys) > 1 else new) for keys, value in edits):
        return None  # a JSON null DOS would have to write reads as a delete to the editor
    out: str | None = text
    try:
        for keys, value in edits:
            out, _ = jsonc_edit.edit(out, keys, value, path, comments=True)
    except ConfigError:
        return None
    out = out or ""
    if Counter(comments_of(text)) - Counter(comments_of(out)):
        return None  # a comment sat inside a member DOS replaces
    return out


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


def _scripts_differ(scripts: Mapping[Path, str], remove: bool) -> bool:
    from dos.service.wiring_files import read_text

    if remove:
        return any(p.exists() for p in scripts)
    return any(read_text(p) != script_text(cmd) for p, cmd in scripts.items())


def script_text(cmd: str) -> str:
    return f"#!/bin/sh\n# written by dos init --hooks; removed by dos init --hooks ... --remove\n{cmd}\n"


def _write_scripts(scripts: Mapping[Path, str], remove: bool) -> None:
    """The script files a host that runs only scripts needs (executable), or with REMOVE their removal."""
    from dos.service.wiring_files import write_atomic as write

    for p, cmd in scripts.items():
        if remove:
            if p.exists() and is_script(str(p)):
                p.unlink()
            continue
        write(p, script_text(cmd))
        p.chmod(p.stat().st_mode | 0o111)
    folders = {p.parent for p in scripts}
    for d in folders:
        if remove and d.is_dir() and not any(d.iterdir()):
            d.rmdir()


def _stale(path: Path, spec: HostSpec, cmds: Mapping[str, str]) -> list[str]:
    try:
        return [e.event for e in spec_entries(path, spec) if e.command != cmds.get(e.event, e.command)]
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
