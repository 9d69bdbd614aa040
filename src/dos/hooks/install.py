"""Wire DOS hooks into each agent host's own config, idempotently, and undo exactly that.

JSON configs are merged in place (the user's keys, order and entries kept; ours appended).
Codex's TOML is never re-serialised: a fenced block is appended or cut out line by line,
so comments survive. ``wired_hosts`` reports what is wired for ``dos doctor``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dos.errors import ConfigError, UsageError
from dos.hooks import HOSTS
from dos.service.wiring import (FENCE_CLOSE, FENCE_OPEN, HOST_MARKERS, SPECS, HostSpec, _entries,  # noqa: F401
                               _event_is_dos, _fenced, installed_command, is_dos_command, toml_events,
                               wired_hosts)

def hook_program() -> str:
    """How a host should start the hook: ``dos-hook`` if it is on PATH, else an absolute command."""
    here = Path(sys.executable).parent / "dos-hook"
    found = shutil.which("dos-hook")
    if found and (not here.exists() or Path(found).resolve() == here.resolve()):
        return "dos-hook"
    if here.exists():
        return shlex.quote(str(here))
    return f"{shlex.quote(sys.executable)} -m dos.hooks"


def command_for(host: str, verb: str, program: str | None = None) -> str:
    return f"{program or hook_program()} {verb} --dialect {host}"


# --------------------------------------------------------------------------- JSON hosts


def _load_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc}); fix it by hand, then rerun dos init --hooks") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a JSON object; fix it, then rerun dos init --hooks")
    return data


def merge_json(data: dict[str, Any], spec: HostSpec, program: str) -> tuple[dict[str, Any], list[str]]:
    """DATA with DOS hooks appended for every event not wired yet; returns (new data, events added)."""
    out = json.loads(json.dumps(data))
    if spec.shape == "flat" and not out:
        out["version"] = 1  # only in a file we create, so --remove can undo it exactly
    hooks = out.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise ConfigError(f"{spec.path}: 'hooks' must be an object; fix it, then rerun dos init --hooks")
    added = []
    for event, verb in spec.events:
        items = hooks.setdefault(event, [])
        if not isinstance(items, list):
            raise ConfigError(f"{spec.path}: hooks.{event} must be a list; fix it, then rerun dos init --hooks")
        if _event_is_dos(items, spec.shape):
            continue
        entry = {"type": "command", "command": command_for(spec.host, verb, program)}
        items.append({"command": entry["command"]} if spec.shape == "flat" else {"hooks": [entry]})
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


def _dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- Codex TOML


def toml_block(spec: HostSpec, program: str) -> str:
    lines = [FENCE_OPEN]
    for event, verb in spec.events:
        cmd = command_for(spec.host, verb, program)
        lines += [f"[[hooks.{event}]]", f"[[hooks.{event}.hooks]]", 'type = "command"',
                  f"command = {json.dumps(cmd)}", ""]
    lines[-1] = FENCE_CLOSE
    return "\n".join(lines) + "\n"


def add_toml(text: str, spec: HostSpec, program: str) -> tuple[str, list[str]]:
    """TEXT with the fenced DOS block appended (unchanged if a block is already there)."""
    if FENCE_OPEN in text:
        return text, []
    new = text if not text or text.endswith("\n") else text + "\n"
    new += ("\n" if new.strip() else "") + toml_block(spec, program)
    return new, [e for e, _ in spec.events]


def remove_toml(text: str) -> tuple[str, int]:
    """TEXT with every fenced DOS block (and the blank line we put before it) cut out."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    removed, inside = 0, False
    for line in lines:
        if line.rstrip("\r\n") == FENCE_OPEN:
            inside = True
            removed += 1
            if out and out[-1].strip() == "":
                out.pop()
            continue
        if inside:
            if line.rstrip("\r\n") == FENCE_CLOSE:
                inside = False
            continue
        out.append(line)
    return "".join(out), removed


def _check_toml(text: str, path: Path) -> None:
    import tomllib

    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: the result would not be valid TOML ({exc}); "
                          "fix the file by hand, then rerun dos init --hooks") from None


# --------------------------------------------------------------------------- entry points


def detect_hosts(root: Path) -> list[str]:
    """Hosts with a config directory in ROOT or a command on PATH."""
    return [h for h, (d, exe) in HOST_MARKERS.items() if (root / d).is_dir() or shutil.which(exe)]


def run_installer(root: Path, host: str, *, remove: bool = False, dry_run: bool = False) -> None:
    """Wire (or with REMOVE unwire) HOST's hooks under ROOT; ``auto`` means every host detected."""
    if host == "auto":
        hosts = detect_hosts(root)
        if not hosts:
            raise UsageError(f"no agent host found in {root} ({', '.join(d for d, _ in HOST_MARKERS.values())}) "
                             "or on PATH; name one: dos init --hooks claude-code")
    elif host in SPECS:
        hosts = [host]
    else:
        raise UsageError(f"unknown host {host!r} (known: {', '.join(HOSTS)}, auto)")
    program = hook_program()
    for h in hosts:
        print(install_one(root, SPECS[h], program, remove=remove, dry_run=dry_run))


def install_one(root: Path, spec: HostSpec, program: str, *, remove: bool = False, dry_run: bool = False) -> str:
    """Apply one host's change; return the line to print. Writes atomically, or not at all."""
    path = root / spec.path
    before = path.read_text(encoding="utf-8") if path.exists() else None
    if spec.shape == "toml":
        text = before or ""
        if remove:
            after, n = remove_toml(text)
            events: list[str] = [] if not n else ["block"]
        else:
            after, events = add_toml(text, spec, program)
            _check_toml(after, path)
    else:
        data = _load_json(path)
        if remove:
            new, n = strip_json(data, spec)
            events = ["entry"] * n
        else:
            new, events = merge_json(data, spec, program)
        after = _dump_json(new) if new or not remove else ""
        if not events:
            after = before or ""
    verb = "unwire" if remove else "wire"
    if not events:
        what = "no DOS hooks in" if remove else "already wired:"
        return f"{spec.host}: {what} {path} (nothing changed)"
    if dry_run:
        return f"{spec.host}: would {verb} {path}; the file would read:\n{after}"
    if remove and not after.strip() and before is not None:
        path.unlink()
        return f"{spec.host}: removed DOS hooks; {path} held nothing else and was deleted"
    _atomic_write(path, after)
    if remove:
        return f"{spec.host}: removed DOS hooks from {path}"
    note = f"\n  note: {spec.note}" if spec.note else ""
    return (f"{spec.host}: wired {len(events)} DOS hook(s) into {path}: {', '.join(events)}\n"
            f"  check it: dos hook selftest {spec.host}{note}")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


