"""Register the DOS MCP server with an agent host: ``dos init --mcp HOST [--remove]``.

The host table (which file, which key, which entry shape) is ``dos.mcp.hosts``. Hosts with
a project file get a portable entry that runs ``dos-mcp`` for the project directory; hosts
that read only the user's file get this interpreter's absolute command and the workspace's
absolute path. Idempotent; ``--remove`` takes out only DOS's entry; the user's file is
edited in place (comments, order and layout kept: JSON/JSONC by ``dos.service.jsonc_edit``, TOML by
tomlkit, YAML by ``dos.service.yaml_edit``), and a file that does not parse is one line naming
it and the line, never overwritten. A host with no MCP file DOS can write is said so plainly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dos.errors import UsageError
from dos.mcp.hosts import ALIASES, BY_HAND, DESKTOP_ENV, HOSTS, NAME, TABLE, McpHost, entry, resolve

__all__ = ["ALIASES", "DESKTOP_ENV", "HOSTS", "NAME", "config_path", "entry_for", "known", "run_installer"]


def known() -> list[str]:
    """Every name ``--mcp`` accepts (hosts and aliases)."""
    return sorted({*HOSTS, *ALIASES})


def run_installer(root: Path, host: str, *, remove: bool = False, env: Mapping[str, str] | None = None) -> None:
    """Register (or with REMOVE, unregister) the server for ROOT with HOST; prints one line."""
    env = os.environ if env is None else env
    if host in BY_HAND:
        raise UsageError(f"dos init --mcp {host}: not registered: {BY_HAND[host]}")
    name = resolve(host)
    if name not in TABLE:
        raise UsageError(f"dos init --mcp: unknown host {host!r} (hosts: {', '.join(known())}; "
                         f"by hand: {', '.join(sorted(BY_HAND))})")
    spec = TABLE[name]
    root = Path(root).resolve()
    path = config_path(root, name, env)
    created = not path.exists()
    changed, note = _apply(spec, path, None if remove else entry(spec, root, path))
    verb = ("removed from" if changed else "was not in") if remove else \
        ("registered in" if changed else "already registered in")
    extra = f"; {spec.label} {spec.note}" if spec.note and not remove and changed else ""
    if spec.new_note and created and changed and not remove:
        extra += spec.new_note
    print(f"dos MCP server {verb} {path} ({name}){note}{extra}")


def config_path(root: Path, host: str, env: Mapping[str, str] | None = None) -> Path:
    """Where HOST keeps its MCP server list for workspace ROOT."""
    env = os.environ if env is None else env
    spec = TABLE[resolve(host)]
    root = Path(root)
    if spec.project:
        if spec.alt and (root / spec.alt).is_file() and not (root / spec.project).is_file():
            return root / spec.alt
        return root / spec.project
    if spec.host == "vibe" and (root / ".vibe" / "config.toml").is_file():
        return root / ".vibe" / "config.toml"  # Vibe reads the project's file instead of the user's
    assert spec.user is not None
    return spec.user(env)


def entry_for(root: Path, host: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The entry HOST's file gets for ROOT."""
    root = Path(root).resolve()
    spec = TABLE[resolve(host)]
    return entry(spec, root, config_path(root, spec.host, env))


# --------------------------------------------------------------------------- the edits


def _apply(spec: McpHost, path: Path, value: dict[str, Any] | None) -> tuple[bool, str]:
    """Set (VALUE None: delete) DOS's entry in PATH; (changed, a note for the output line)."""
    from dos.service.wiring_files import read_text, write_atomic

    text = read_text(path)
    note = ""
    if spec.fmt in ("json", "jsonc"):
        from dos.service import jsonc_edit as jsonc

        new, changed = jsonc.edit(text, (*spec.keys, NAME), value, path, comments=spec.fmt == "jsonc")
    elif spec.fmt == "toml":
        return _toml(path, spec, value), ""
    elif spec.fmt == "toml-list":
        new, changed = _toml_list(text, path, spec.keys[0], value)
    elif spec.fmt == "yaml-list":
        from dos.service import yaml_edit as yamlfile

        new, changed, lost = yamlfile.edit_list(spec.seed if text is None else text, spec.keys[0], NAME, value,
                                                path)
        if lost:
            note = " (its layout defeated an in-place edit: rewritten by PyYAML, its comments were not kept)"
        if spec.seed and new == spec.seed:
            new = None  # all that is left is the header DOS wrote for the host: the file goes with the entry
    else:
        from dos.service import yaml_edit as yamlfile

        new, changed, lost = yamlfile.edit(text, spec.keys[0], NAME, value, path)
        if lost:
            note = " (its layout defeated an in-place edit: rewritten by PyYAML, its comments were not kept)"
    if not changed:
        return False, ""
    if new is None:
        if text is not None:
            path.unlink()
    else:
        write_atomic(path, new)
    return True, note


def _toml(path: Path, spec: McpHost, value: dict[str, Any] | None) -> bool:
    from dos.service.wiring_files import set_toml_key

    return set_toml_key(path, (*spec.keys, NAME), value)


def _toml_list(text: str | None, path: Path, key: str, value: dict[str, Any] | None) -> tuple[str | None, bool]:
    """``[[KEY]]`` tables naming themselves (Mistral Vibe): set or drop the one whose name is ``dos``."""
    import tomlkit
    from tomlkit.items import AoT

    from dos.service.wiring_files import dump_toml, fail, keep_tail, parse_toml

    doc = parse_toml(text or "", path)
    aot = doc.get(key)
    if aot is not None and not isinstance(aot, AoT) and not (isinstance(aot, list) and not aot):
        raise fail(path, f"'{key}' must be a list of [[{key}]] tables")
    items = list(aot) if aot is not None else []
    mine = next((i for i, t in enumerate(items) if hasattr(t, "get") and t.get("name") == NAME), None)
    if value is None:
        if mine is None:
            return text, False
        if len(items) == 1:
            del doc[key]
        else:
            del aot[mine]
    else:
        if mine is not None and _plain(items[mine]) == value:
            return text, False
        table = tomlkit.table()
        for k, v in value.items():
            table[k] = tomlkit.inline_table() if isinstance(v, dict) else v
            if isinstance(v, dict):
                table[k].update(v)
        if aot is None:
            doc[key] = tomlkit.aot()
            doc[key].append(table)
        elif mine is None:
            aot.append(table)
        else:
            aot[mine] = table
    new = keep_tail(dump_toml(doc, path), text)
    return (new if new.strip() else None), True


def _plain(item: Any) -> Any:
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if callable(unwrap) else item
