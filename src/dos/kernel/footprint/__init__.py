"""Which files an agent's tool call writes, read from the call alone (pure: no I/O, stdlib only).

``footprint(tool, tool_input)`` names the paths a call writes as the shell would see them
(relative to the directory the call starts in, or absolute; ``:/`` is the top of the git work
tree), ``()`` when it writes nothing DOS guards, and None when it cannot tell. It may name more
than is written (a directory for the files in it) but never less: anything it cannot read with
certainty makes the answer None. Shell commands are split by shlex; comments, here-documents,
substitutions and the directory each command runs in are followed around it.

Normal form: relative paths are joined to the directories ``cd`` moved to but not normalised
(``api/../web/x`` stays), ``.`` is the start directory, ``~`` and ``~user`` prefixes are left for
the caller, and a literal (quoted) leading ``~`` is written ``./~...`` so it is not expanded.

The package splits along the reader's seams. This module holds the public API, the tool-name
tables and the dispatch for edit and patch tools; ``patch`` reads patch texts and ``paths``
renders paths. The shell reader (``lexer``, ``parser``, ``evaluate`` and the command tables in
``commands``, ``options``, ``wrappers``, ``shell_builtins``, ``readers``, ``stream_editors``,
``writers`` and ``git``) is imported only when a shell tool is called: the hook runs on every
tool call, and most calls are edits.
"""

from __future__ import annotations

from dos.kernel.footprint.patch import PATCH_HEADERS  # noqa: F401 - re-exported
from dos.kernel.footprint.patch import _patch_paths, _patch_text

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["PATCH_TOOLS", "READ_TOOLS", "SHELL_TOOLS", "WRITE_TOOLS", "footprint"]

PATH_KEYS = ("file_path", "path", "notebook_path", "filePath", "absolute_path", "target_file",
             "TargetFile", "AbsolutePath", "file")
READ_TOOLS = frozenset({
    "read", "grep", "glob", "ls", "notebookread", "webfetch", "websearch", "todowrite", "task",
    "exitplanmode", "read_file", "read_many_files", "list_directory", "search_file_content",
    "google_web_search", "web_fetch", "codebase_search", "file_search", "grep_search", "list_dir",
    "view_file", "find_by_name", "read_url_content", "search_web", "save_memory", "write_todos",
    "agent", "taskcreate", "taskupdate", "tasklist", "taskget", "taskoutput", "taskstop", "skill",
    "slashcommand", "croncreate", "crondelete", "cronlist", "schedulewakeup", "sendmessage",
    "enterworktree", "exitworktree", "enterplanmode", "askuserquestion", "bashoutput", "killshell",
    "killbash", "listmcpresources", "listmcpresourcestool", "readmcpresource", "readmcpresourcetool",
    "toolsearch", "lsp", "monitor",
})
WRITE_TOOLS = frozenset({
    "edit", "write", "multiedit", "notebookedit", "write_file", "replace", "edit_file", "create_file",
    "delete_file", "delete", "search_replace", "str_replace", "write_to_file", "replace_file_content",
    "multi_replace_file_content",
})
SHELL_TOOLS = frozenset({"bash", "shell", "run_shell_command", "exec_command", "unified_exec",
                         "local_shell", "run_command", "run_terminal_cmd", "container.exec"})
PATCH_TOOLS = frozenset({"apply_patch", "applypatch"})
COMMAND_KEYS = ("command", "cmd", "CommandLine", "commandLine")
WORKDIR_KEYS = ("workdir", "dir_path", "directory", "cwd", "Cwd", "working_directory", "workingDirectory")


def footprint(tool: str, tool_input: object) -> tuple[str, ...] | None:
    """The paths a tool call writes: () writes nothing we guard; None = cannot tell."""
    try:
        return _tool_footprint(tool, tool_input)
    except Exception:  # malformed input of any kind is "cannot tell", never an error
        return None


def _tool_footprint(tool: object, tool_input: object) -> tuple[str, ...] | None:
    if not isinstance(tool, str):
        return None
    name = tool.casefold()
    if name in READ_TOOLS:
        return ()
    args = tool_input if isinstance(tool_input, dict) else {}
    if name in PATCH_TOOLS:
        text = tool_input if isinstance(tool_input, str) else _patch_text(args)
        return _patch_tool(text, args)
    if name in SHELL_TOOLS:
        return _shell_tool(args)
    if name in WRITE_TOOLS:
        return _edit_tool(name, args)
    return None


def _edit_tool(name: str, args: Mapping) -> tuple[str, ...] | None:
    """Every path an edit-style call names (a leading ``~`` both expanded and literal)."""
    found: list[str] = []
    text = _patch_text(args) if name in ("edit", "write") else ""
    if text:
        found += _patch_paths(text) or ()
    for key in PATH_KEYS:
        value = args.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        for path in dict.fromkeys((value, value.strip())):
            if path:
                found += [path, "./" + path] if path.startswith("~") else [path]
    return tuple(dict.fromkeys(found)) or None


def _patch_tool(text: object, args: Mapping) -> tuple[str, ...] | None:
    if not isinstance(text, str) or not text:
        return None
    paths = _patch_paths(text)
    workdir = _workdir(args)
    if paths is None or workdir is None:
        return None
    from dos.kernel.footprint.paths import _Arg, _render  # lazily: edit tools need neither

    rendered = (_render(_Arg(p, p, p.startswith("/")), workdir) for p in paths)
    return tuple(dict.fromkeys(p for p in rendered if p)) or None


def _shell_tool(args: Mapping) -> tuple[str, ...] | None:
    if not any(k in args for k in COMMAND_KEYS) and isinstance(args.get("action"), dict):
        args = args["action"]  # Codex local_shell: {"action": {"command": [...], ...}}
    commands: list = []
    for key in COMMAND_KEYS:
        value = args.get(key)
        if value is not None and value not in commands:
            commands.append(value)
    workdir = _workdir(args)
    if len(commands) != 1 or workdir is None:
        return None
    from dos.kernel.footprint.evaluate import _shell_footprint  # lazily: the whole shell reader

    command = commands[0]
    if isinstance(command, list) and command and all(isinstance(w, str) for w in command):
        return _shell_footprint(command, workdir)
    if isinstance(command, str):
        return _shell_footprint(command, workdir)
    return None


def _workdir(args: Mapping) -> str | None:
    """The tool's own working-directory argument: "" if none, None if it cannot be used."""
    found: list[str] = []
    for key in WORKDIR_KEYS:
        value = args.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or value.startswith("~") or "\x00" in value:
            return None
        if value not in found:
            found.append(value)
    if len(found) > 1:
        return None
    if not found or found[0] in (".", "./"):
        return ""
    return found[0].rstrip("/") or "/"
