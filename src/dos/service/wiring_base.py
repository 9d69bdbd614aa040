"""Where each agent host keeps its hooks, which commands DOS writes there, and which are wired today.

The one description of the hosts' config files that the installers write and that
``dos doctor`` and ``dos hook selftest`` read back. ``dos.service.wiring`` is the public
face (it adds ``hook_health``); the host modules import this one, below it.

Two kinds of command:

* **absolute** (machine-local files: Claude Code's ``.claude/settings.local.json`` and every
  user-scope file): this interpreter, by its absolute path, run as
  ``python -I -c "from dos.hooks.__main__ import run; run()" VERB --dialect HOST``, so the
  hook runs whatever PATH the host starts with;
* **portable** (files a team usually commits: ``.codex/config.toml``, ``.gemini/settings.json``,
  ``.cursor/hooks.json``, ``.agents/hooks.json``): POSIX shell that runs ``dos-hook`` from PATH,
  and when there is none prints one line naming the fix and exits 2 at pretool (the call
  is blocked) or 0 elsewhere (a stop hook that always failed would trap the agent in a loop).
  It runs in sh, dash and bash (and is written to parse in zsh and fish, whichever shell the
  host picks), and holds no ``$`` (Gemini expands variables in its settings and hook commands).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

FENCE_OPEN = "# >>> dos hooks (managed by `dos init --hooks`) >>>"  # the block older versions appended
FENCE_CLOSE = "# <<< dos hooks <<<"
SCOPES = ("project", "user")
RUNNER = "from dos.hooks.__main__ import run; run()"
NOT_ON_PATH = "DOS: dos-hook is not on PATH"


@dataclass(frozen=True)
class HostSpec:
    """Where HOST keeps its hooks and which of its events run which DOS hook."""

    host: str
    path: str  # the project file, relative to the workspace root
    events: tuple[tuple[str, str], ...]  # (host event, dos verb)
    shape: str  # "groups" (Claude Code style), "flat" (Cursor) or "toml" (Codex)
    note: str = ""
    portable: bool = True  # the project file is usually committed: write the portable command
    legacy: tuple[str, ...] = ()  # project files older versions wrote (read, repaired and unwired)
    comments: bool = False  # the host reads its JSON with comments allowed

    @property
    def pretool_event(self) -> str:
        return next(e for e, verb in self.events if verb == "pretool")


SPECS: dict[str, HostSpec] = {s.host: s for s in (
    HostSpec("claude-code", ".claude/settings.local.json",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop"), ("SubagentStop", "stop"),
              ("TaskCompleted", "stop"), ("SessionStart", "session-start")), "groups",
             portable=False, legacy=(".claude/settings.json",)),
    HostSpec("codex", ".codex/config.toml",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop"),
              ("SessionStart", "session-start")), "toml",
             "Codex runs PreToolUse only for Bash, apply_patch and MCP tools."),
    HostSpec("cursor", ".cursor/hooks.json",  # no after-hook: Cursor carries no message back from one
             (("preToolUse", "pretool"), ("beforeShellExecution", "pretool"), ("stop", "stop")), "flat",
             "Cursor fails open on a hook error; add \"failClosed\": true to an entry to change that."),
    HostSpec("gemini", ".gemini/settings.json",
             (("BeforeTool", "pretool"), ("AfterTool", "posttool"), ("AfterAgent", "stop"),
              ("SessionStart", "session-start")), "groups", comments=True),
    HostSpec("antigravity", ".agents/hooks.json",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")), "groups",
             "Antigravity may let a user approve a denied call; the deny is still recorded."),
)}
HOST_MARKERS = {"claude-code": (".claude", "claude"), "codex": (".codex", "codex"),
                "cursor": (".cursor", "cursor-agent"), "gemini": (".gemini", "gemini"),
                "antigravity": (".agents", "antigravity")}
# The variables each host sets for its hook commands (the probe sets them the same way).
HOST_ENV = {"claude-code": ("CLAUDE_PROJECT_DIR",), "codex": (),
            "gemini": ("GEMINI_PROJECT_DIR", "GEMINI_CWD", "CLAUDE_PROJECT_DIR"),
            "cursor": ("CURSOR_PROJECT_DIR", "CLAUDE_PROJECT_DIR"), "antigravity": ()}


# --------------------------------------------------------------------------- files


def home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("HOME") or os.path.expanduser("~"))


def codex_home(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env["CODEX_HOME"]) if env.get("CODEX_HOME") else home(env) / ".codex"


def gemini_dir(env: Mapping[str, str] | None = None) -> Path:
    """Gemini's user directory: ``$GEMINI_CLI_HOME/.gemini``, else ``~/.gemini``."""
    env = os.environ if env is None else env
    return (Path(env["GEMINI_CLI_HOME"]) if env.get("GEMINI_CLI_HOME") else home(env)) / ".gemini"


def user_file(host: str, env: Mapping[str, str] | None = None) -> Path | None:
    """HOST's user-scope hooks file, or None when DOS knows none for it."""
    env = os.environ if env is None else env
    if host == "claude-code":
        base = Path(env["CLAUDE_CONFIG_DIR"]) if env.get("CLAUDE_CONFIG_DIR") else home(env) / ".claude"
        return base / "settings.json"
    if host == "codex":
        return codex_home(env) / "config.toml"
    if host == "gemini":
        return gemini_dir(env) / "settings.json"
    if host == "cursor":
        return home(env) / ".cursor" / "hooks.json"
    return None


def config_file(root: Path, host: str, scope: str = "project", env: Mapping[str, str] | None = None) -> Path | None:
    """The file DOS writes HOST's hooks into for SCOPE."""
    if scope == "user":
        return user_file(host, env)
    return Path(root) / SPECS[host].path


def read_files(root: Path, host: str, scope: str, env: Mapping[str, str] | None = None) -> list[Path]:
    """Every file DOS reads HOST's wiring from for SCOPE (the current one first, then legacy ones)."""
    main = config_file(root, host, scope, env)
    if main is None:
        return []
    if scope == "user":
        return [main]
    return [main, *(Path(root) / rel for rel in SPECS[host].legacy)]


# --------------------------------------------------------------------------- commands


def absolute_command(host: str, verb: str, scope: str = "project", python: str | None = None) -> str:
    """This interpreter by its absolute path, with the hook runner (no PATH lookup, no runpy)."""
    exe = shlex.quote(python or sys.executable)
    tail = " --scope user" if scope == "user" else ""
    return f'{exe} -I -c "{RUNNER}" {verb} --dialect {host}{tail}'


def portable_command(host: str, verb: str) -> str:
    """``dos-hook`` from PATH, else one line naming the fix (exit 2 at pretool, else 0)."""
    code = 2 if verb == "pretool" else 0
    return (f"command -v dos-hook >/dev/null 2>&1 && exec dos-hook {verb} --dialect {host}; "
            f"echo '{NOT_ON_PATH} (put it there, or run: dos init --hooks {host} --scope user)' >&2; exit {code}")


def command_for_scope(host: str, verb: str, scope: str = "project", python: str | None = None) -> str:
    """The canonical command for HOST's VERB in SCOPE's file."""
    if scope == "project" and SPECS[host].portable:
        return portable_command(host, verb)
    return absolute_command(host, verb, scope, python)


def is_dos_command(cmd: Any) -> bool:
    """True for a command this installer (an older one, or the reference's) wrote."""
    if not isinstance(cmd, str):
        return False
    text = cmd.strip()
    words = text.split()
    if not words:
        return False
    first = words[0].strip("'\"").rsplit("/", 1)[-1]
    return (first == "dos-hook" or text.startswith("dos hook ") or text.startswith("command -v dos-hook ")
            or RUNNER in text or "-m dos.hooks " in text + " ")


def is_portable(cmd: str) -> bool:
    return cmd.strip().startswith("command -v dos-hook ")


def dos_verb(cmd: str) -> str:
    """The hook verb a DOS command runs ('' when none is named)."""
    head = cmd.split(";", 1)[0] if is_portable(cmd) else cmd
    try:
        words = shlex.split(head)
    except ValueError:
        words = head.split()
    for w in words:
        if w in ("pretool", "posttool", "stop", "session-start", "marker"):
            return w
    return ""


# --------------------------------------------------------------------------- reading a host file


@dataclass(frozen=True)
class Entry:
    """One hook handler in a host file: where it sits and what it runs."""

    event: str
    group: int
    index: int
    command: str


def _groups_entries(hooks: Any, shape: str) -> list[Entry]:
    out: list[Entry] = []
    if not isinstance(hooks, Mapping):
        return out
    for event, items in hooks.items():
        if not isinstance(items, list):
            continue
        for g, item in enumerate(items):
            if shape == "flat":
                if isinstance(item, Mapping) and isinstance(item.get("command"), str):
                    out.append(Entry(str(event), g, 0, item["command"]))
                continue
            inner = item.get("hooks") if isinstance(item, Mapping) else None
            for h, handler in enumerate(inner if isinstance(inner, list) else []):
                if isinstance(handler, Mapping) and isinstance(handler.get("command"), str):
                    out.append(Entry(str(event), g, h, handler["command"]))
    return out


def read_entries(path: Path, shape: str) -> list[Entry]:
    """Every command hook in PATH (an unreadable or broken file raises ConfigError)."""
    from dos.service.wiring_files import JsonFile, fail, read_text

    if shape == "toml":
        import tomllib

        text = read_text(path)
        if text is None:
            return []
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise fail(path, f"is not valid TOML ({' '.join(str(exc).split())})") from None
        hooks = data.get("hooks")
        if isinstance(hooks, Mapping):
            hooks = {k: v for k, v in hooks.items() if k != "state"}
        return _groups_entries(hooks, "groups")
    data = JsonFile(path, comments=True).data
    return _groups_entries(data.get("hooks"), shape)


def dos_entries(path: Path, shape: str) -> list[Entry]:
    return [e for e in read_entries(path, shape) if is_dos_command(e.command)]


def _events_in(path: Path, shape: str) -> list[str]:
    try:
        if not path.is_file():
            return []
        return list(dict.fromkeys(e.event for e in dos_entries(path, shape)))
    except Exception:  # noqa: BLE001 - a broken file wires nothing (health says why)
        return []


def wired_hosts(root: Path, scope: str = "project", env: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """host -> the events that run a DOS hook, for every host wired under ROOT (or for the user)."""
    out: dict[str, list[str]] = {}
    for host, spec in SPECS.items():
        events: list[str] = []
        for path in read_files(root, host, scope, env):
            events += [e for e in _events_in(path, spec.shape) if e not in events]
        if events:
            out[host] = events
    return out


def installed_command(root: Path, host: str, event: str, scope: str = "project",
                      env: Mapping[str, str] | None = None) -> str | None:
    """The DOS command HOST runs for EVENT under ROOT (or in the user file), as written in its config."""
    spec = SPECS[host]
    for path in read_files(root, host, scope, env):
        if not path.is_file():
            continue
        found = next((e.command for e in dos_entries(path, spec.shape) if e.event == event), None)
        if found is not None:
            return found
    return None


def toml_events(text: str) -> list[str]:
    """The hook events a Codex TOML wires to DOS, in order."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    hooks = data.get("hooks")
    if isinstance(hooks, Mapping):
        hooks = {k: v for k, v in hooks.items() if k != "state"}
    return list(dict.fromkeys(e.event for e in _groups_entries(hooks, "groups") if is_dos_command(e.command)))


def remove_fenced(text: str) -> tuple[str, int]:
    """TEXT with every fenced DOS block an older version appended (and the blank line before it) cut out."""
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


def codex_key(path: Path, entry: Entry) -> str:
    """Codex's review key for ENTRY: ``<source path>:<event_in_snake_case>:<group>:<handler>``."""
    snake = "".join("_" + c.lower() if c.isupper() else c for c in entry.event).lstrip("_")
    return f"{path}:{snake}:{entry.group}:{entry.index}"
