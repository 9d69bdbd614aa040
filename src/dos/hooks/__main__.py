"""``dos-hook`` / ``python -m dos.hooks``: run one hook (pretool, posttool, stop) for one host.

The command line is read by hand (argparse costs start-up time on every tool call). It
accepts the reference's flags too: ``--handler`` (every handler enforces here), and for
``stop`` the claim flags ``--plan``/``--phase``. A command line DOS cannot read follows
``[hooks] on_error`` like any internal fault, instead of blocking every call of every session.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, TextIO

VERBS = ("pretool", "posttool", "stop", "session-start", "marker")
VALUED = {"--dialect": "dialect", "--workspace": "workspace", "--session-id": "session", "--handler": "handler",
          "--plan": "plan", "--phase": "phase", "--transcript": "transcript", "--last-turns": "last_turns",
          "--max-markers": "max_markers", "--scope": "scope"}
SWITCHES = {"--debug": "debug", "--strict": "strict", "--json": "json", "--force": "force", "--reset": "reset",
            "--loop": "loop"}
USAGE = ("usage: dos-hook pretool|posttool|stop|session-start|marker [--dialect HOST] [--workspace DIR] [--session-id ID] "
         "[--plan P --phase PH] [--debug]")


class HookUsage(Exception):
    """The hook's own command line is not one DOS can read."""


def parse_argv(argv: list[str]) -> dict[str, Any]:
    """The hook's options; HookUsage for anything it cannot read."""
    from dos.hooks import HOSTS

    opts: dict[str, Any] = {"verb": "", "dialect": "claude-code", "workspace": "", "session": "", "handler": "",
                            "plan": "", "phase": "", "transcript": "", "last_turns": "1", "debug": False,
                            "strict": False, "json": False, "force": False, "reset": False, "loop": False,
                            "max_markers": "", "scope": "project"}
    i = 0
    while i < len(argv):
        key, eq, value = argv[i].partition("=")
        if key in VALUED:
            if not eq:
                if i + 1 >= len(argv):
                    raise HookUsage(f"{key} needs a value")
                i += 1
                value = argv[i]
            opts[VALUED[key]] = value
        elif argv[i] in SWITCHES:
            opts[SWITCHES[argv[i]]] = True
        elif argv[i] in VERBS and not opts["verb"]:
            opts["verb"] = argv[i]
        else:
            raise HookUsage(f"unexpected argument {argv[i]!r}")
        i += 1
    if not opts["verb"]:
        raise HookUsage("which hook? pretool, posttool or stop")
    if opts["dialect"] not in HOSTS:
        raise HookUsage(f"unknown --dialect {opts['dialect']!r} (known: {', '.join(HOSTS)})")
    if opts["scope"] not in ("project", "user"):
        raise HookUsage(f"--scope must be project or user, got {opts['scope']!r}")
    if bool(opts["plan"]) != bool(opts["phase"]):
        raise HookUsage("--plan and --phase go together")
    opts["claims"] = ((opts["plan"], opts["phase"]),) if opts["plan"] else ()
    return opts


def read_stdin(stdin: Any) -> str:
    """All of stdin as text; undecodable bytes are replaced rather than fatal."""
    try:
        if stdin is None:
            data = sys.stdin.buffer.read()
        else:
            data = stdin.read()
    except (OSError, ValueError, AttributeError):
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one hook; return its exit code. stdout carries only the host's envelope."""
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    raw = read_stdin(stdin)
    try:
        opts = parse_argv(argv)
    except HookUsage as exc:
        out, code, err = _usage_error(argv, env, exc)
    else:
        from dos.hooks.shell import run

        out, code, err = run(opts, raw, env)
    try:
        if out:
            (sys.stdout if stdout is None else stdout).write(out)
            (sys.stdout if stdout is None else stdout).flush()
        if err:
            (sys.stderr if stderr is None else stderr).write(err)
    except (BrokenPipeError, OSError):
        pass
    return code


def _usage_error(argv: list[str], env: Mapping[str, str], exc: HookUsage) -> tuple[str, int, str]:
    """A command line DOS cannot read: ``[hooks] on_error`` decides (deny blocks pretool only)."""
    from dos.hooks.shell import _policy

    line = f"dos-hook: {exc}\n{USAGE}\n"
    verb = next((a for a in argv if a in VERBS), "")
    if verb != "pretool" or _policy({"workspace": ""}, env) != "deny":
        return "", 0, line + "dos-hook: allowing ([hooks] on_error = \"allow\"); fix the hook command\n"
    from dos.exitcodes import CONTRACT_ERROR

    return "", CONTRACT_ERROR, line


def run() -> None:
    """What the installed hook command calls: ``python -I -c "from dos.hooks.__main__ import run; run()"``.

    ``-c`` skips both ``runpy`` (which ``-m`` loads) and the ``re`` a console-script wrapper
    imports: about 7 ms of every tool call. The cyclic collector stays off: a hook's objects
    live until it exits, and its passes over them cost over a millisecond a call.
    """
    import gc

    gc.disable()
    sys.exit(main())


if __name__ == "__main__":
    run()
