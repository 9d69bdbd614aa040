"""Codex: trust the project and review DOS's own hooks through Codex's own mechanism.

Codex 0.171 runs a non-managed hook only once it is reviewed (``hooks.state."<key>".trusted_hash``
in ``$CODEX_HOME/config.toml``), and loads a project's ``.codex/`` only once the project is
trusted (``[projects."<root>"] trust_level = "trusted"``). Both are written here through
``codex app-server`` (JSON-RPC 2.0 over stdio, one object per line): ``config/batchWrite``
for the project, ``hooks/list`` for each hook's key and ``currentHash``, and
``config/batchWrite`` again for the review. Only hooks whose command DOS wrote are ever
reviewed; the hash is always Codex's, never computed here.

What DOS trusted is remembered in ``$DISPATCH_HOME/wiring/codex.json``, so ``--remove``
undoes exactly that and nothing the user trusted.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from dos.service.wiring_base import codex_home, is_dos_command

START_TIMEOUT = 30.0
BIN_ENV = "DOS_CODEX_BIN"


class CodexError(Exception):
    """codex app-server could not be started or refused a request (one line)."""


def find_codex(env: Mapping[str, str] | None = None) -> str | None:
    """``$DOS_CODEX_BIN``, else ``codex`` on PATH, else None."""
    env = os.environ if env is None else env
    given = env.get(BIN_ENV, "").strip()
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("codex", path=env.get("PATH"))


class AppServer:
    """One ``codex [ARGS] app-server`` child, spoken to line by line."""

    def __init__(self, codex: str, cwd: Path, *, args: Sequence[str] = (), env: Mapping[str, str] | None = None,
                 timeout: float = START_TIMEOUT) -> None:
        self.timeout = timeout
        self._ids = iter(range(1, 1 << 30))
        self._lines: queue.Queue[str | None] = queue.Queue()
        try:
            self.proc = subprocess.Popen([codex, *args, "app-server"], cwd=str(cwd), env=dict(env or os.environ),
                                         text=True, encoding="utf-8", errors="replace", stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            raise CodexError(f"cannot start {codex} app-server ({exc.strerror or exc})") from None
        threading.Thread(target=self._pump, daemon=True).start()
        self._err: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()
        self.request("initialize", {"clientInfo": {"name": "dos", "version": "1"}})
        self._send({"jsonrpc": "2.0", "method": "initialized"})

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if len(self._err) < 50:
                self._err.append(line.rstrip())

    def _send(self, msg: dict[str, Any]) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            raise CodexError(f"codex app-server exited early{self._why()}") from None

    def _why(self) -> str:
        last = [ln for ln in self._err if ln.strip()][-1:]
        return f" ({last[0][:200]})" if last else ""

    def request(self, method: str, params: dict[str, Any]) -> Any:
        rid = next(self._ids)
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CodexError(f"codex app-server did not answer {method} within {self.timeout:.0f} s")
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise CodexError(f"codex app-server closed while answering {method}{self._why()}")
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if not isinstance(msg, dict) or msg.get("id") != rid or "method" in msg:
                continue
            if "error" in msg:
                err = msg["error"]
                text = err.get("message") if isinstance(err, dict) else err
                raise CodexError(f"codex app-server refused {method}: {' '.join(str(text).split())[:200]}")
            return msg.get("result")

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "AppServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the calls DOS makes

    def hooks(self, cwd: Path) -> list[dict[str, Any]]:
        listed = self.request("hooks/list", {"cwds": [str(cwd)]}) or {}
        return [h for entry in listed.get("data", []) for h in entry.get("hooks", []) if isinstance(h, dict)]

    def write(self, key_path: str, value: dict[str, Any]) -> None:
        self.request("config/batchWrite", {"edits": [{"keyPath": key_path, "mergeStrategy": "upsert",
                                                      "value": value}]})


# --------------------------------------------------------------------------- state read from the file


def config_data(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``$CODEX_HOME/config.toml`` as plain data ({} when missing or broken)."""
    import tomllib

    path = codex_home(env) / "config.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def project_trusted(root: Path, env: Mapping[str, str] | None = None) -> bool:
    projects = config_data(env).get("projects")
    entry = projects.get(str(root)) if isinstance(projects, dict) else None
    return isinstance(entry, dict) and entry.get("trust_level") == "trusted"


def reviewed_keys(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """key -> trusted_hash of every reviewed hook in the user's config."""
    hooks = config_data(env).get("hooks")
    state = hooks.get("state") if isinstance(hooks, dict) else None
    if not isinstance(state, dict):
        return {}
    return {k: v.get("trusted_hash", "") for k, v in state.items() if isinstance(v, dict)}


def dos_hooks(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [h for h in listed if is_dos_command(h.get("command")) and not h.get("isManaged")]


# --------------------------------------------------------------------------- what DOS trusted


def _record_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("DISPATCH_HOME") or os.path.join(os.path.expanduser("~"), ".dos")
    return Path(base) / "wiring" / "codex.json"


def _record(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    try:
        data = json.loads(_record_path(env).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_record(data: dict[str, Any], env: Mapping[str, str] | None = None) -> None:
    from dos.service.wiring_files import write_atomic

    try:
        write_atomic(_record_path(env), json.dumps(data, indent=2, sort_keys=True) + "\n")
    except Exception:  # noqa: BLE001 - the record only makes --remove exact; trust itself is done
        pass


def _remember(codex_file: str, *, project: str = "", keys: Sequence[str] = (),
              env: Mapping[str, str] | None = None) -> None:
    data = _record(env)
    mine = data.setdefault(codex_file, {"projects": [], "keys": []})
    if project and project not in mine["projects"]:
        mine["projects"].append(project)
    mine["keys"] = sorted(set(mine["keys"]) | set(keys))
    _save_record(data, env)


# --------------------------------------------------------------------------- trust and untrust


def trust(root: Path, *, project: bool, codex: str, args: Sequence[str] = (),
          env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Trust ROOT (when PROJECT) and review every DOS hook Codex lists for it; returns DOS's hooks after.

    ARGS (``-c`` overrides) make app-server list session-flag hooks, as ``dos guard`` passes them.
    Raises CodexError with one line.
    """
    env = dict(os.environ if env is None else env)
    cfg = str(codex_home(env) / "config.toml")
    with AppServer(codex, root, args=args, env=env) as srv:
        if project and not project_trusted(root, env):
            srv.write("projects", {str(root): {"trust_level": "trusted"}})
            _remember(cfg, project=str(root), env=env)
        ours = dos_hooks(srv.hooks(root))
        edits = {h["key"]: {"trusted_hash": h["currentHash"]} for h in ours
                 if h.get("trustStatus") != "trusted" and h.get("key") and h.get("currentHash")}
        if edits:
            srv.write("hooks.state", edits)
            _remember(cfg, keys=list(edits), env=env)
            ours = dos_hooks(srv.hooks(root))
    return ours


def listed(root: Path, *, codex: str, args: Sequence[str] = (), env: Mapping[str, str] | None = None
           ) -> list[dict[str, Any]]:
    """Every hook Codex lists for ROOT (read-only)."""
    with AppServer(codex, root, args=args, env=env) as srv:
        return srv.hooks(root)


def untrust(source: Path, project: Path | None, env: Mapping[str, str] | None = None) -> list[str]:
    """Drop the reviews DOS wrote for hooks of SOURCE (a config file), and PROJECT's trust if DOS gave it.

    Only what ``trust`` recorded is removed; returns the keys removed.
    """
    from dos.service.wiring_files import TomlFile, toml_set

    path = codex_home(env) / "config.toml"
    record = _record(env)
    mine = record.get(str(path))
    if not isinstance(mine, dict) or not path.is_file():
        return []
    prefixes = tuple(dict.fromkeys((f"{source}:", f"{Path(source).resolve()}:")))
    keys = [k for k in mine.get("keys", []) if k.startswith(prefixes)]
    f = TomlFile(path)
    done = [k for k in keys if toml_set(f.doc, ("hooks", "state", k), None, path)]
    if project is not None and str(project) in mine.get("projects", []):
        if toml_set(f.doc, ("projects", str(project)), None, path):
            done.append(f"projects.{project}")
        mine["projects"] = [p for p in mine["projects"] if p != str(project)]
    mine["keys"] = [k for k in mine.get("keys", []) if k not in keys]
    f.save()
    record[str(path)] = mine
    _save_record(record, env)
    return done
