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
    """Where HOST keeps its hooks and which of its events run which DOS hook.

    SHAPE is how its file holds hooks: "groups" (Claude Code's ``hooks.Event[{matcher, hooks: [..]}]``),
    "flat" (``hooks.event[{command}]``: Cursor, Crush, Windsurf, Copilot), "toml" (Codex's groups in
    TOML), "toml-list" (``[[hooks]]`` tables naming their event: Kimi Code, Mistral Vibe) or
    "plugin" (a JavaScript file DOS owns that the host loads: OpenCode).
    """

    host: str
    path: str  # the project file, relative to the workspace root ("" when the host reads only the user's)
    events: tuple[tuple[str, str], ...]  # (host event, dos verb)
    shape: str
    note: str = ""
    portable: bool = True  # the project file is usually committed: write the portable command
    legacy: tuple[str, ...] = ()  # project files older versions wrote (read, repaired and unwired)
    comments: bool = False  # the host reads its JSON with comments allowed
    label: str = ""  # the host's own name
    user: tuple[str, str, str] = ()  # the user file: (variable naming its directory, file under it, file under HOME)
    marker: tuple[str, ...] = ()  # (directory in a workspace, executable on PATH, ...) that mark the host
    env: tuple[str, ...] = ()  # the variables the host sets for its hook commands (to the project directory)
    deny_exit: int = 2  # the exit code DOS's pretool deny leaves with
    key: str = "command"  # the handler field holding the command (Copilot: "bash")
    mirror: tuple[str, ...] = ()  # more handler fields that get the same command (Copilot's "command" for VS Code)
    extra: tuple[tuple[str, Any], ...] = ()  # fixed fields every DOS handler gets
    per_event: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()  # fixed fields of one event's table or handler
    created: tuple[tuple[str, Any], ...] = ()  # top-level fields of a file DOS creates (removed with it)
    event_key: str = "event"  # toml-list: the field naming a hook's event
    script: bool = False  # the host runs only a script file: DOS writes one per verb and points at it
    dialect: str = ""  # the dialect the commands name (default: the host)
    fmt: str = "json"  # the file's language for the JSON shapes: "json" (JSONC where ``comments``) or "yaml"

    @property
    def pretool_event(self) -> str:
        return next(e for e, verb in self.events if verb == "pretool")

    @property
    def user_only(self) -> bool:
        return not self.path

    @property
    def name(self) -> str:
        return self.label or self.host


_CC = (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop"), ("SubagentStop", "stop"),
       ("SessionStart", "session-start"))
_CC_BASIC = (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop"),
             ("SessionStart", "session-start"))
_TRUSTED = "loads a project's hooks only in a folder the user trusted"

SPECS: dict[str, HostSpec] = {s.host: s for s in (
    HostSpec("claude-code", ".claude/settings.local.json",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop"), ("SubagentStop", "stop"),
              ("TaskCompleted", "stop"), ("SessionStart", "session-start")), "groups",
             portable=False, legacy=(".claude/settings.json",), label="Claude Code", marker=(".claude", "claude"),
             env=("CLAUDE_PROJECT_DIR",)),
    HostSpec("codex", ".codex/config.toml",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop"),
              ("SessionStart", "session-start")), "toml",
             "Codex runs PreToolUse only for Bash, apply_patch and MCP tools.", label="Codex",
             marker=(".codex", "codex")),
    HostSpec("cursor", ".cursor/hooks.json",  # no after-hook: Cursor carries no message back from one
             (("preToolUse", "pretool"), ("beforeShellExecution", "pretool"), ("stop", "stop")), "flat",
             "Cursor fails open on a hook error; add \"failClosed\": true to an entry to change that.",
             label="Cursor", marker=(".cursor", "cursor-agent"), env=("CURSOR_PROJECT_DIR", "CLAUDE_PROJECT_DIR"),
             created=(("version", 1),)),
    HostSpec("gemini", ".gemini/settings.json",
             (("BeforeTool", "pretool"), ("AfterTool", "posttool"), ("AfterAgent", "stop"),
              ("SessionStart", "session-start")), "groups", comments=True, label="Gemini CLI",
             marker=(".gemini", "gemini"), env=("GEMINI_PROJECT_DIR", "GEMINI_CWD", "CLAUDE_PROJECT_DIR"),
             deny_exit=0),
    HostSpec("antigravity", ".agents/hooks.json",
             (("PreToolUse", "pretool"), ("PostToolUse", "posttool"), ("Stop", "stop")), "groups",
             "Antigravity may let a user approve a denied call; the deny is still recorded.", label="Antigravity",
             marker=(".agents", "antigravity"), deny_exit=0),
    # ---- hosts that copy Claude Code's hook schema (payload, groups, exit 2 / permissionDecision)
    HostSpec("qwen", ".qwen/settings.json", _CC, "groups", f"Qwen Code {_TRUSTED}.", comments=True,
             label="Qwen Code", user=("", "", ".qwen/settings.json"), marker=(".qwen", "qwen"),
             env=("QWEN_PROJECT_DIR", "CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR")),
    # Droid reads `hooks` from settings.json beside any hooks.json; its hooks.json holds the events at
    # the top level, so the `hooks` object older DOS versions wrote there was ignored (droid 0.215.0, e2e).
    HostSpec("factory", ".factory/settings.json", _CC, "groups",
             "Droid snapshots hooks at start-up and asks to review edited ones in /hooks.", label="Factory Droid",
             legacy=(".factory/hooks.json",), user=("", "", ".factory/settings.json"), marker=(".factory", "droid"),
             env=("FACTORY_PROJECT_DIR",)),
    # CodeBuddy Code 2.163.0 (e2e) runs an edited hooks file from the next tool call on, with no /hooks
    # review; what it does not do is look for .codebuddy/ above the directory it starts in.
    HostSpec("codebuddy", ".codebuddy/settings.json", _CC, "groups",
             "CodeBuddy reads .codebuddy/settings.json only in the directory it starts in: start it at the "
             "workspace root, or wire this machine: dos init --hooks codebuddy --scope user",
             label="CodeBuddy Code", user=("", "", ".codebuddy/settings.json"), marker=(".codebuddy", "codebuddy"),
             env=("CODEBUDDY_PROJECT_DIR", "CLAUDE_PROJECT_DIR")),
    HostSpec("continue", ".continue/settings.json", _CC_BASIC, "groups",
             "Continue also runs the hooks in .claude/settings*.json; wire one of the two, not both.",
             label="Continue CLI", user=("CONTINUE_GLOBAL_DIR", "settings.json", ".continue/settings.json"),
             marker=(".continue", "cn"), env=("CONTINUE_PROJECT_DIR", "CLAUDE_PROJECT_DIR")),
    HostSpec("devin", ".devin/config.json", _CC_BASIC, "groups",
             "Devin also runs the hooks in .claude/settings*.json; wire one of the two, not both.",
             label="Devin CLI", user=("", "", ".config/devin/config.json"), marker=(".devin", "devin"),
             env=("DEVIN_PROJECT_DIR",)),
    HostSpec("qoder", ".qoder/settings.json", _CC, "groups", label="Qoder CLI",
             user=("", "", ".qoder/settings.json"), marker=(".qoder", "qodercli")),
    HostSpec("augment", ".augment/settings.json", _CC_BASIC, "groups",
             "Auggie runs only script files, so DOS writes one per hook beside the settings.", label="Augment Auggie",
             user=("", "", ".augment/settings.json"), marker=(".augment", "auggie"), script=True),
    # OpenHands 1.16.0 loads the first of <start dir>/.openhands/hooks.json and ~/.openhands/hooks.json (e2e).
    HostSpec("openhands", ".openhands/hooks.json", _CC_BASIC, "groups",
             "OpenHands reads one hooks file: .openhands/hooks.json in the directory it starts in, else "
             "~/.openhands/hooks.json; started in a subdirectory it runs none of the project's hooks "
             "(--scope user covers that).", label="OpenHands",
             user=("", "", ".openhands/hooks.json"), marker=(".openhands", "openhands")),
    HostSpec("goose", ".agents/plugins/dos/hooks/hooks.json",
             (("PreToolUse", "pretool"), ("Stop", "stop")), "groups",
             "Goose loads hooks from plugins; DOS's is the plugin 'dos', which Goose enables when it first "
             "finds it (one disabled in ~/.config/goose/config.yaml runs no hooks).", label="Goose",
             user=("", "", ".agents/plugins/dos/hooks/hooks.json"), marker=(".goose", "goose"),
             per_event=(("PreToolUse", (("on_failure", "block"),)),)),  # a hook that cannot run denies
    HostSpec("grok", ".grok/hooks/dos.json", (("PreToolUse", "pretool"), ("PostToolUse", "posttool")), "groups",
             "Grok runs a project's hooks only once the folder is trusted (/hooks-trust or --trust); it also runs "
             "the hooks in .claude/settings.json and .cursor/hooks.json, so wire one of them, not several.",
             label="Grok CLI", user=("", "", ".grok/hooks/dos.json"), marker=(".grok", "grok")),
    HostSpec("kimi", "", (("PreToolUse", "pretool"), ("Stop", "stop")), "toml-list",
             "Kimi Code reads hooks only from the user's config.toml.", label="Kimi Code",
             user=("KIMI_CODE_HOME", "config.toml", ".kimi-code/config.toml"), marker=("", "kimi"),
             extra=(("timeout", 30),)),
    HostSpec("hermes", "", (("pre_tool_call", "pretool"), ("post_tool_call", "posttool"), ("pre_verify", "stop")),
             "flat", "Hermes asks the user once to consent to each (event, command) pair; its pre_verify "
             "fires only on turns that edited code.", label="Hermes Agent",
             user=("HERMES_HOME", "config.yaml", ".hermes/config.yaml"), marker=("", "hermes"), fmt="yaml"),
    # ---- their own envelopes
    HostSpec("copilot", ".github/hooks/dos.json", _CC, "flat",
             "One file for both GitHub Copilot CLI and VS Code's Copilot agent (both read .github/hooks/); "
             f"Copilot CLI {_TRUSTED}.",
             label="GitHub Copilot", user=("COPILOT_HOME", "hooks/dos.json", ".copilot/hooks/dos.json"),
             marker=(".github/hooks", "copilot"), deny_exit=0, key="bash", mirror=("command",),
             extra=(("type", "command"), ("timeoutSec", 30)), created=(("version", 1),)),
    HostSpec("crush", ".crush.json", (("PreToolUse", "pretool"),), "flat",
             "Crush has no post-tool, stop or session-start hook.", label="Crush",
             user=("XDG_CONFIG_HOME", "crush/crush.json", ".config/crush/crush.json"), marker=(".crush", "crush"),
             env=("CRUSH_PROJECT_DIR",), deny_exit=0, extra=(("timeout", 30),)),
    HostSpec("tabnine", ".tabnine/agent/settings.json",
             (("BeforeTool", "pretool"), ("AfterTool", "posttool"), ("AfterAgent", "stop"),
              ("SessionStart", "session-start")), "groups", comments=True, label="Tabnine CLI",
             user=("", "", ".tabnine/agent/settings.json"), marker=(".tabnine", "tabnine"),
             env=("TABNINE_PROJECT_DIR",), deny_exit=0),
    HostSpec("vibe", ".vibe/hooks.toml",
             (("pre_tool", "pretool"), ("post_tool", "posttool"), ("post_agent", "stop")), "toml-list",
             f"Mistral Vibe {_TRUSTED} (or with --trust).", label="Mistral Vibe",
             user=("VIBE_HOME", "hooks.toml", ".vibe/hooks.toml"), marker=(".vibe", "vibe"), deny_exit=0,
             event_key="type",
             # Vibe needs a unique name per table, and runs a failed (127, crashed, timed-out) pre_tool
             # hook as an allow unless it is strict; strict is refused on post_agent.
             per_event=(("pre_tool", (("name", "dos-pretool"), ("strict", True))),
                        ("post_tool", (("name", "dos-posttool"),)), ("post_agent", (("name", "dos-stop"),)))),
    HostSpec("windsurf", ".windsurf/hooks.json", (("pre_write_code", "pretool"), ("pre_run_command", "pretool")),
             "flat", "Windsurf has no stop or session-start hook; its post hooks cannot answer.", label="Windsurf",
             user=("", "", ".codeium/windsurf/hooks.json"), marker=(".windsurf", "windsurf"),
             extra=(("show_output", True),)),
    HostSpec("opencode", ".opencode/plugins/dos.js",
             (("tool.execute.before", "pretool"), ("tool.execute.after", "posttool")), "plugin",
             "OpenCode has no stop gate; its plugin can only refuse tool calls.", label="OpenCode",
             user=("XDG_CONFIG_HOME", "opencode/plugins/dos.js", ".config/opencode/plugins/dos.js"),
             marker=(".opencode", "opencode"), deny_exit=0),
    HostSpec("kilo", ".kilo/plugins/dos.js",
             (("tool.execute.before", "pretool"), ("tool.execute.after", "posttool")), "plugin",
             "Kilo Code runs OpenCode's plugin API; it has no stop gate, its plugin can only refuse tool calls.",
             label="Kilo Code", user=("XDG_CONFIG_HOME", "kilo/plugins/dos.js", ".config/kilo/plugins/dos.js"),
             marker=(".kilo", "kilo"), deny_exit=0),
    # Cline 3.x ends the whole run when a hook file cancels a call; a plugin's beforeTool can skip just
    # that call and hand the model the reason (cline 3.0.65, e2e), so DOS wires Cline with a plugin.
    HostSpec("cline", ".cline/plugins/dos.js", (("PreToolUse", "pretool"), ("PostToolUse", "posttool")), "plugin",
             "Cline loads DOS's plugin from .cline/plugins/; it has no stop gate, the plugin can only refuse tool "
             "calls.", label="Cline", user=("CLINE_DIR", "plugins/dos.js", ".cline/plugins/dos.js"),
             marker=(".cline", "cline"), deny_exit=0),
)}
# Names that reach another host's wiring: the same file, the same dialect.
ALIASES = {"cursor-cli": "cursor", "copilot-cli": "copilot"}
HOST_MARKERS = {h: (s.marker + ("", ""))[:2] for h, s in SPECS.items()}
# The variables each host sets for its hook commands (the probe sets them the same way).
HOST_ENV = {h: s.env for h, s in SPECS.items()}


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
    spec = SPECS.get(host)
    if spec is None or not spec.user:
        return None
    var, under_var, under_home = spec.user
    if var and env.get(var):
        return Path(env[var]) / under_var
    return home(env) / under_home


def config_file(root: Path, host: str, scope: str = "project", env: Mapping[str, str] | None = None) -> Path | None:
    """The file DOS writes HOST's hooks into for SCOPE (None: the host reads no such file)."""
    if scope == "user":
        return user_file(host, env)
    if SPECS[host].user_only:
        return None
    return Path(root) / SPECS[host].path


def resolve_host(host: str) -> str:
    """HOST, or the host whose wiring an alias (``cursor-cli``, ``copilot-cli``) shares."""
    return ALIASES.get(host, host)


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
            or RUNNER in text or "-m dos.hooks " in text + " " or is_script(text))


SCRIPT_PREFIX = "dos-hook-"  # the scripts DOS writes for hosts that run only script files: dos-hook-VERB.sh
VERBS = ("pretool", "posttool", "stop", "session-start", "marker")


def is_script(cmd: str) -> bool:
    """True for the path of a script DOS wrote (``.../dos-hook-pretool.sh``)."""
    name = cmd.strip().strip("'\"").rsplit("/", 1)[-1]
    return name.startswith(SCRIPT_PREFIX) and name.endswith(".sh") and name[len(SCRIPT_PREFIX):-3] in VERBS


def script_path(config: Path, verb: str) -> Path:
    """Where DOS writes VERB's script for a host whose hooks file is CONFIG: a ``hooks/`` folder beside it."""
    return Path(config).parent / "hooks" / f"{SCRIPT_PREFIX}{verb}.sh"


def is_portable(cmd: str) -> bool:
    return cmd.strip().startswith("command -v dos-hook ")


def dos_verb(cmd: str) -> str:
    """The hook verb a DOS command runs ('' when none is named)."""
    if is_script(cmd):
        return cmd.strip().strip("'\"").rsplit("/", 1)[-1][len(SCRIPT_PREFIX):-3]
    head = cmd.split(";", 1)[0] if is_portable(cmd) else cmd
    try:
        words = shlex.split(head)
    except ValueError:
        words = head.split()
    for w in words:
        if w in VERBS:
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


def _groups_entries(hooks: Any, shape: str, key: str = "command") -> list[Entry]:
    out: list[Entry] = []
    if not isinstance(hooks, Mapping):
        return out
    for event, items in hooks.items():
        if not isinstance(items, list):
            continue
        for g, item in enumerate(items):
            if shape == "flat":
                if isinstance(item, Mapping) and isinstance(item.get(key), str):
                    out.append(Entry(str(event), g, 0, item[key]))
                continue
            inner = item.get("hooks") if isinstance(item, Mapping) else None
            for h, handler in enumerate(inner if isinstance(inner, list) else []):
                if isinstance(handler, Mapping) and isinstance(handler.get(key), str):
                    out.append(Entry(str(event), g, h, handler[key]))
    return out


def _list_entries(hooks: Any, event_key: str) -> list[Entry]:
    """``[[hooks]]`` tables that each name their event (Kimi Code ``event``, Mistral Vibe ``type``)."""
    if not isinstance(hooks, list):
        return []
    return [Entry(str(h.get(event_key)), i, 0, h["command"]) for i, h in enumerate(hooks)
            if isinstance(h, Mapping) and isinstance(h.get("command"), str) and isinstance(h.get(event_key), str)]


PLUGIN_COMMANDS = "const COMMANDS = "  # the one line of a DOS plugin file that names its commands (JSON)


def plugin_commands(text: str) -> dict[str, str] | None:
    """event -> command from a plugin file DOS wrote; None when TEXT is not one."""
    import json

    for line in text.splitlines():
        if line.startswith(PLUGIN_COMMANDS):
            try:
                found = json.loads(line[len(PLUGIN_COMMANDS):].rstrip().rstrip(";"))
            except ValueError:
                return None
            if isinstance(found, dict) and all(isinstance(v, str) for v in found.values()):
                return found
            return None
    return None


def _load_toml(path: Path) -> dict[str, Any] | None:
    import tomllib

    from dos.service.wiring_files import fail, read_text

    text = read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(path, f"is not valid TOML ({' '.join(str(exc).split())})") from None


def read_entries(path: Path, shape: str, spec: HostSpec | None = None) -> list[Entry]:
    """Every command hook in PATH (an unreadable or broken file raises ConfigError)."""
    from dos.service.wiring_files import JsonFile, read_text

    key = spec.key if spec is not None else "command"
    if shape == "toml":
        data = _load_toml(path)
        if data is None:
            return []
        hooks = data.get("hooks")
        if isinstance(hooks, Mapping):
            hooks = {k: v for k, v in hooks.items() if k != "state"}
        return _groups_entries(hooks, "groups")
    if shape == "toml-list":
        data = _load_toml(path)
        return [] if data is None else _list_entries(data.get("hooks"), spec.event_key if spec else "event")
    if shape == "plugin":
        text = read_text(path)
        found = plugin_commands(text) if text else None
        return [Entry(e, i, 0, c) for i, (e, c) in enumerate((found or {}).items())]
    if spec is not None and spec.fmt == "yaml":
        from dos.service.yaml_edit import load

        text = read_text(path)
        data = load(text, path) if text else {}
    else:
        data = JsonFile(path, comments=True).data
    return _groups_entries(data.get("hooks"), shape, key)


def dos_entries(path: Path, shape: str, spec: HostSpec | None = None) -> list[Entry]:
    return [e for e in read_entries(path, shape, spec) if is_dos_command(e.command)]


def spec_entries(path: Path, spec: HostSpec) -> list[Entry]:
    """The DOS hooks in PATH, read as SPEC's host keeps them."""
    return dos_entries(path, spec.shape, spec)


def _events_in(path: Path, spec: HostSpec) -> list[str]:
    try:
        if not path.is_file():
            return []
        return list(dict.fromkeys(e.event for e in spec_entries(path, spec)))
    except Exception:  # noqa: BLE001 - a broken file wires nothing (health says why)
        return []


def wired_hosts(root: Path, scope: str = "project", env: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """host -> the events that run a DOS hook, for every host wired under ROOT (or for the user)."""
    out: dict[str, list[str]] = {}
    for host, spec in SPECS.items():
        events: list[str] = []
        for path in read_files(root, host, scope, env):
            events += [e for e in _events_in(path, spec) if e not in events]
        if events:
            out[host] = events
    return out


def installed_command(root: Path, host: str, event: str, scope: str = "project",
                      env: Mapping[str, str] | None = None) -> str | None:
    """The DOS command HOST runs for EVENT under ROOT (or in the user file), as written in its config."""
    spec = SPECS[resolve_host(host)]
    for path in read_files(root, spec.host, scope, env):
        if not path.is_file():
            continue
        found = next((e.command for e in spec_entries(path, spec) if e.event == event), None)
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
