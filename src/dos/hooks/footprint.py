"""The paths a tool call writes, read conservatively: ``()`` writes nothing, None is unknown.

Edit-style tools name their file; ``apply_patch`` names files in its headers; a shell
command is tokenised (quotes, operators, heredocs) and each simple command is read by a
small table of known readers and writers. Anything we cannot read is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
TYPE_CHECKING = False  # typing costs start-up time on the hook path

if TYPE_CHECKING:
    from typing import Any

PATH_KEYS = ("file_path", "path", "notebook_path", "filePath", "absolute_path", "target_file",
             "TargetFile", "AbsolutePath", "file")
READ_TOOLS = frozenset({
    "read", "grep", "glob", "ls", "notebookread", "webfetch", "websearch", "todowrite", "task",
    "exitplanmode", "read_file", "read_many_files", "list_directory", "search_file_content",
    "google_web_search", "web_fetch", "codebase_search", "file_search", "grep_search", "list_dir",
    "view_file", "find_by_name", "read_url_content", "search_web", "save_memory", "write_todos",
})
WRITE_TOOLS = frozenset({
    "edit", "write", "multiedit", "notebookedit", "write_file", "replace", "edit_file", "create_file",
    "delete_file", "delete", "search_replace", "str_replace", "write_to_file", "replace_file_content",
    "multi_replace_file_content",
})
SHELL_TOOLS = frozenset({"bash", "shell", "run_shell_command", "exec_command", "unified_exec",
                         "local_shell", "run_command", "run_terminal_cmd", "container.exec"})
PATCH_TOOLS = frozenset({"apply_patch", "applypatch"})
PATCH_HEADERS = ("*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: ", "+++ b/",
                 "--- a/")


def footprint(tool: str, tool_input: Any) -> tuple[str, ...] | None:
    """Paths TOOL writes given TOOL_INPUT, as written (absolute or relative); None if unknown."""
    name = tool.casefold()
    args: Mapping[str, Any] = tool_input if isinstance(tool_input, Mapping) else {}
    if name in READ_TOOLS:
        return ()
    if name in PATCH_TOOLS or (name in ("edit", "write") and _patch_text(args)):
        text = _patch_text(args) or (tool_input if isinstance(tool_input, str) else "")
        return patch_paths(text) if text else None
    if name in SHELL_TOOLS:
        cmd = args.get("command", args.get("cmd"))
        if isinstance(cmd, list) and all(isinstance(w, str) for w in cmd):
            cmd = _unwrap_argv(cmd)
        return shell_paths(cmd) if isinstance(cmd, str) else None
    if name in WRITE_TOOLS:
        for key in PATH_KEYS:
            value = args.get(key)
            if isinstance(value, str) and value.strip():
                return (value,)
        return None
    return None


def _patch_text(args: Mapping[str, Any]) -> str:
    for key in ("command", "patch", "input"):
        value = args.get(key)
        if isinstance(value, list):
            value = next((w for w in value if isinstance(w, str) and "*** Begin Patch" in w), None)
        if isinstance(value, str) and ("*** Begin Patch" in value or "\n+++ " in value):
            return value
    return ""


def patch_paths(text: str) -> tuple[str, ...] | None:
    """Files named by an apply_patch (or unified diff) text; None if it names none."""
    found = []
    for line in text.splitlines():
        for head in PATCH_HEADERS:
            if line.startswith(head):
                path = line[len(head):].strip()
                if path and path != "/dev/null":
                    found.append(path)
    return tuple(dict.fromkeys(found)) or None


def _unwrap_argv(argv: list[str]) -> str:
    """Codex sends ``["bash", "-lc", "cmd"]``; anything else is quoted back into one line."""
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] in ("bash", "sh", "zsh") and argv[1] in ("-c", "-lc"):
        return argv[2]
    return " ".join("'" + w.replace("'", "'\\''") + "'" for w in argv)


# --------------------------------------------------------------------------- shell

OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&", "(", ")", "\n")
REDIRECTS = ("&>>", ">>", ">|", "&>", ">&", "<<<", "<<-", "<<", "<>", "<&", ">", "<")
UNKNOWN = object()


class _Unreadable(Exception):
    pass


def tokenize(cmd: str) -> list[tuple[str, str]]:
    """Split CMD into ``("word", text)``, ``("op", text)`` and ``("redir", text)`` tokens.

    Raises _Unreadable for substitutions, unterminated quotes and other shapes we do not read.
    """
    out: list[tuple[str, str]] = []
    i, n = 0, len(cmd)
    heredocs: list[tuple[str, bool]] = []
    while i < n:
        ch = cmd[i]
        if ch == "\n" and heredocs:
            i = _skip_heredocs(cmd, i + 1, heredocs)
            heredocs = []
            out.append(("op", "\n"))
            continue
        if ch in " \t\r":
            i += 1
            continue
        if ch == "#" and (not out or out[-1][0] == "op"):
            while i < n and cmd[i] != "\n":
                i += 1
            continue
        op = _match(cmd, i, OPERATORS)
        red = _match(cmd, i, REDIRECTS)
        if red and (not op or len(red) >= len(op)):
            out.append(("redir", red))
            i += len(red)
            if red in ("<<", "<<-"):
                j, word = _word(cmd, _skip_blank(cmd, i))
                heredocs.append((word.strip("'\""), red == "<<-"))
                out.append(("word", word))
                i = j
            continue
        if op:
            out.append(("op", op))
            i += len(op)
            continue
        i, word = _word(cmd, i)
        if word.isdigit() and i < n and cmd[i] in "<>":
            continue  # a file descriptor number before a redirection: `2>`
        out.append(("word", word))
    return out


def _skip_blank(cmd: str, i: int) -> int:
    while i < len(cmd) and cmd[i] in " \t":
        i += 1
    return i


def _skip_heredocs(cmd: str, i: int, heredocs: list[tuple[str, bool]]) -> int:
    for delim, strip_tabs in heredocs:
        while i < len(cmd):
            end = cmd.find("\n", i)
            line = cmd[i:] if end < 0 else cmd[i:end]
            i = len(cmd) if end < 0 else end + 1
            if (line.lstrip("\t") if strip_tabs else line) == delim:
                break
        else:
            raise _Unreadable("unterminated heredoc")
    return i


def _match(cmd: str, i: int, table: tuple[str, ...]) -> str:
    return next((t for t in table if cmd.startswith(t, i)), "")


def _word(cmd: str, i: int) -> tuple[int, str]:
    buf: list[str] = []
    n = len(cmd)
    while i < n:
        ch = cmd[i]
        if ch in " \t\r\n;&|()<>":
            break
        if ch == "\\":
            if i + 1 < n and cmd[i + 1] != "\n":
                buf.append(cmd[i + 1])
            i += 2
            continue
        if ch == "'":
            end = cmd.find("'", i + 1)
            if end < 0:
                raise _Unreadable("unterminated quote")
            buf.append(cmd[i + 1:end])
            i = end + 1
            continue
        if ch == '"':
            j = i + 1
            while j < n and cmd[j] != '"':
                if cmd[j] in "`$" and cmd[j:j + 2] != "$ ":
                    raise _Unreadable("expansion inside quotes")
                j += 2 if cmd[j] == "\\" else 1
            if j >= n:
                raise _Unreadable("unterminated quote")
            buf.append(cmd[i + 1:j].replace('\\"', '"'))
            i = j + 1
            continue
        if ch in "`$":
            raise _Unreadable("expansion")
        buf.append(ch)
        i += 1
    if not buf and i < n and cmd[i] not in " \t\r\n;&|()<>":
        raise _Unreadable("empty word")
    return i, "".join(buf)


def shell_paths(cmd: str) -> tuple[str, ...] | None:
    """Paths a shell command line writes; None if any part of it cannot be read."""
    try:
        tokens = tokenize(cmd)
    except (_Unreadable, IndexError):
        return None
    paths: list[str] = []
    words: list[str] = []
    pending = ""
    moved = False
    for kind, text in [*tokens, ("op", ";")]:
        if pending:
            if kind != "word":
                return None
            if pending in (">", ">>", ">|", "&>", "&>>", "<>", ">&") and not _is_fd_target(text):
                paths.append(text)
            pending = ""
            continue
        if kind == "redir":
            pending = text
        elif kind == "word":
            words.append(text)
        else:
            if words:
                found = command_paths(words)
                if found is None or (moved and any(not p.startswith(("/", "~")) for p in found)):
                    return None  # a relative path after `cd` is relative to a directory we do not track
                moved = moved or (words[0] in ("cd", "pushd", "popd") and len(words) > 1)
                paths += found
            words = []
    return tuple(dict.fromkeys(p for p in paths if not p.startswith("/dev/")))


def _is_fd_target(word: str) -> bool:
    return word.isdigit() or word == "-"


PREFIXES = frozenset({"sudo", "command", "time", "nice", "nohup", "builtin", "exec", "stdbuf", "timeout"})
READERS = frozenset({
    "ls", "cat", "head", "tail", "grep", "rg", "egrep", "fgrep", "wc", "echo", "printf", "pwd", "cd",
    "pushd", "popd", "true", "false", "test", "[", "[[", "which", "type", "file", "stat", "du", "df",
    "diff", "cmp", "uniq", "cut", "tr", "less", "more", "date", "whoami", "id", "uname", "sleep",
    "basename", "dirname", "realpath", "readlink", "tree", "ps", "env", "printenv", "nl", "od", "xxd",
    "hexdump", "md5sum", "sha256sum", "sha1sum", "column", "fold", "comm", "join", "paste", "rev",
    "seq", "yes", "jq", "export", "set", "unset", "exit", "return", "wait", "history", "hostname",
    "awk", "sed", "sort", "find", "fd", "ag", "ack", "git", "pytest", "tac", "strings", "file",
    "locate", "man", "help", ":", "alias", "read", "shift", "local", "declare",
})
WRITERS_ALL = frozenset({"touch", "rm", "rmdir", "mkdir", "mv", "shred", "unlink", "tee"})
WRITERS_LAST = frozenset({"cp", "ln", "install", "rsync", "scp"})
WRITERS_AFTER_FIRST = frozenset({"chmod", "chown", "chgrp"})
GIT_READ = frozenset({"status", "log", "diff", "show", "rev-parse", "ls-files", "grep", "blame",
                      "describe", "fetch", "add", "commit", "push", "tag", "branch", "shortlog",
                      "reflog", "remote", "config", "notes", "cat-file", "ls-tree", "merge-base",
                      "rev-list", "show-ref", "for-each-ref", "whatchanged", "version", "help"})


def command_paths(words: list[str]) -> list[str] | None:
    """Paths one simple command (its words, redirections removed) writes; None if unknown."""
    i = 0
    while i < len(words) and ("=" in words[i] and not words[i].startswith(("=", "-"))
                              and words[i].split("=", 1)[0].isidentifier()):
        i += 1  # VAR=value prefixes
    while i < len(words) and words[i] in PREFIXES:
        prefix = words[i]
        i += 1
        while i < len(words) and words[i].startswith("-"):
            i += 1
        if prefix == "timeout" and i < len(words):
            i += 1  # the duration
    if i >= len(words):
        return []
    name = words[i].rsplit("/", 1)[-1]
    args = words[i + 1:]
    plain = [a for a in args if not a.startswith("-") or a == "-"]
    if name == "git":
        return _git(args)
    if name == "sed":
        if not any(a == "-i" or a.startswith(("-i", "--in-place")) or (a.startswith("-") and not
                   a.startswith("--") and "i" in a[1:]) for a in args):
            return []
        has_script_opt = any(a in ("-e", "-f") or a.startswith(("--expression", "--file")) for a in args)
        return _opt_values_removed(args, ("-e", "-f"))[0 if has_script_opt else 1:]
    if name == "sort":
        return [args[args.index("-o") + 1]] if "-o" in args[:-1] else []
    if name == "find":
        return None if any(a in ("-delete", "-exec", "-execdir", "-ok", "-fprint", "-fprintf", "-fls")
                           for a in args) else []
    if name == "awk":
        return None if any(a in ("-i",) or a.startswith("-i") for a in args) else []
    if name in ("env", "xargs") and plain:
        return None
    if name in READERS:
        return []
    if name in WRITERS_ALL:
        return plain if name != "tee" else [a for a in plain if a != "-"]
    if name in WRITERS_LAST:
        if "-t" in args[:-1]:
            return [args[args.index("-t") + 1]]
        return plain[-1:] if len(plain) >= 2 else None
    if name in WRITERS_AFTER_FIRST:
        return plain[1:] if len(plain) >= 2 else None
    if name == "truncate":
        return _opt_values_removed(args, ("-s", "-r"))
    if name == "dd":
        return [a[3:] for a in args if a.startswith("of=")]
    return None


def _opt_values_removed(args: list[str], takes_value: tuple[str, ...]) -> list[str]:
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in takes_value:
            skip = True
        elif not a.startswith("-"):
            out.append(a)
    return out


def _git(args: list[str]) -> list[str] | None:
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-C", "-c") else 1
    if i >= len(args):
        return []
    sub, rest = args[i], args[i + 1:]
    if sub in GIT_READ:
        return []
    if sub in ("rm", "mv"):
        return [a for a in rest if not a.startswith("-")]
    if sub in ("checkout", "restore") and "--" in rest:
        return rest[rest.index("--") + 1:] or None
    if sub == "stash" and rest[:1] in (["list"], ["show"]):
        return []
    return None
