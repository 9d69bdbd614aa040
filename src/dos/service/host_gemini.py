"""Gemini CLI: folder trust as Gemini 0.61 decides it, and a run-scoped user directory for ``dos guard``.

Folder trust (``packages/core/src/utils/trust.ts``): ``GEMINI_RESTRICTED_MODE=true`` or
``GEMINI_CLI_TRUST_WORKSPACE=false`` distrust; ``GEMINI_CLI_TRUST_WORKSPACE=true`` trusts;
``security.folderTrust.enabled = false`` (default true) trusts everything; otherwise the
longest rule in ``trustedFolders.json`` that contains the folder decides (``TRUST_PARENT``
applies to the rule's parent directory), and no rule means untrusted. An untrusted
folder loads no ``.gemini/settings.json`` (so no project hook runs), and ``gemini -p``
refuses to start there (exit 55).

``dos guard``: Gemini honours a system settings file only when it and every parent
directory are root-owned, so that route is closed to a normal user. Instead the run gets
``GEMINI_CLI_HOME`` pointing at a private temporary home whose ``.gemini/`` mirrors the
user's (every entry a symlink) except ``settings.json``, which is the user's settings plus
DOS's hooks. The user's files are never written; what Gemini creates there during the run
(session history, a first ``tmp/``) is moved into the user's ``.gemini/`` afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

from dos.service.wiring_base import gemini_dir, home

TRUST_LEVELS = ("TRUST_FOLDER", "TRUST_PARENT", "DO_NOT_TRUST")


def _settings(env: Mapping[str, str]) -> dict[str, Any]:
    from dos.service.wiring_files import JsonFile

    try:
        return JsonFile(gemini_dir(env) / "settings.json", comments=True).data
    except Exception:  # noqa: BLE001 - a broken file is reported by the installer, not here
        return {}


def trusted_folders_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    given = env.get("GEMINI_CLI_TRUSTED_FOLDERS_PATH")
    return Path(given) if given else gemini_dir(env) / "trustedFolders.json"


def _inside(parent: str, child: str) -> bool:
    rel = os.path.relpath(child, parent)
    return rel == "." or not (rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel))


def folder_trust(root: Path, env: Mapping[str, str] | None = None) -> tuple[bool, str]:
    """(trusted, how Gemini decides it) for ROOT."""
    env = os.environ if env is None else env
    if env.get("GEMINI_RESTRICTED_MODE") == "true" or env.get("GEMINI_CLI_TRUST_WORKSPACE") == "false":
        return False, "GEMINI_RESTRICTED_MODE or GEMINI_CLI_TRUST_WORKSPACE=false distrusts every folder"
    if env.get("GEMINI_CLI_TRUST_WORKSPACE") == "true":
        return True, "GEMINI_CLI_TRUST_WORKSPACE=true"
    sec = _settings(env).get("security")
    ft = sec.get("folderTrust") if isinstance(sec, dict) else None
    if isinstance(ft, dict) and ft.get("enabled") is False:
        return True, "security.folderTrust.enabled is false"
    path = trusted_folders_path(env)
    from dos.service.wiring_files import JsonFile

    try:
        rules = JsonFile(path, comments=True).data
    except Exception as exc:  # noqa: BLE001 - Gemini itself refuses to start then
        return False, f"{path} cannot be read: {exc}"
    where = os.path.realpath(root)
    best, level = -1, ""
    for rule, value in rules.items():
        if value not in TRUST_LEVELS:
            continue
        effective = os.path.dirname(rule) if value == "TRUST_PARENT" else rule
        if _inside(os.path.realpath(effective), where) and len(rule) > best:
            best, level = len(rule), value
    if level == "DO_NOT_TRUST":
        return False, f"{path} says DO_NOT_TRUST"
    if level:
        return True, f"{path} says {level}"
    return False, f"no rule in {path} covers it"


def trust_fix(root: Path, env: Mapping[str, str] | None = None) -> str:
    """The one step that makes Gemini trust ROOT."""
    return (f"trust it: run gemini in {root} once and choose \"Trust folder\", or add "
            f"{json.dumps({str(root): 'TRUST_FOLDER'})} to {trusted_folders_path(env)}")


# --------------------------------------------------------------------------- dos guard's run-scoped home


class RunHome:
    """A private GEMINI_CLI_HOME for one run: the user's ``.gemini/`` plus DOS's hooks in settings.json."""

    def __init__(self, hooks: dict[str, Any], extra: dict[str, Any] | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.env_in = dict(os.environ if env is None else env)
        self.real = gemini_dir(self.env_in)
        self.hooks = hooks
        self.extra = extra or {}
        self.base: Path | None = None
        self.written = ""

    def settings(self) -> dict[str, Any]:
        """The user's settings with DOS's hooks appended after the user's own."""
        data = json.loads(json.dumps(_settings(self.env_in)))
        hooks = data.get("hooks") if isinstance(data.get("hooks"), dict) else {}
        for event, groups in self.hooks.items():
            have = hooks.get(event) if isinstance(hooks.get(event), list) else []
            hooks[event] = [*have, *groups]
        data["hooks"] = hooks
        for key, value in self.extra.items():
            current = data.get(key) if isinstance(data.get(key), dict) else {}
            data[key] = {**current, **value}
        return data

    def start(self) -> dict[str, str]:
        """Create the home; returns the variables the child needs."""
        self.base = Path(tempfile.mkdtemp(prefix="dos-guard-gemini-"))
        gdir = self.base / ".gemini"
        gdir.mkdir()
        if self.real.is_dir():
            for entry in self.real.iterdir():
                if entry.name != "settings.json":
                    os.symlink(entry, gdir / entry.name)
        user_home = home(self.env_in)
        for name in (".env",):
            if (user_home / name).exists():
                os.symlink(user_home / name, self.base / name)
        self.written = json.dumps(self.settings(), indent=2) + "\n"
        (gdir / "settings.json").write_text(self.written, encoding="utf-8")
        out = {"GEMINI_CLI_HOME": str(self.base)}
        if not self.env_in.get("GEMINI_CLI_TRUSTED_FOLDERS_PATH"):
            out["GEMINI_CLI_TRUSTED_FOLDERS_PATH"] = str(self.real / "trustedFolders.json")
        return out

    def finish(self) -> list[str]:
        """Move what Gemini created into the user's ``.gemini/``, drop the home; returns notes."""
        notes: list[str] = []
        if self.base is None:
            return notes
        gdir = self.base / ".gemini"
        try:
            for entry in gdir.iterdir():
                if entry.is_symlink() or entry.name == "settings.json":
                    continue
                target = self.real / entry.name
                if not target.exists():
                    self.real.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(entry), str(target))
            now = (gdir / "settings.json").read_text(encoding="utf-8")
            if now != self.written:
                notes.append(f"dos guard: Gemini changed its settings during this run; the change was made to a "
                             f"copy and is not in {self.real / 'settings.json'}")
        except OSError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)
        self.base = None
        return notes
