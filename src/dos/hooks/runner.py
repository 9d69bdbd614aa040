"""The hook shell: read one event, normalise it, decide against the store, render the host's envelope.

``main(argv, stdin, stdout, stderr)`` is what ``dos-hook``, ``python -m dos.hooks`` and
``dos hook`` run. It never prints a traceback: an internal fault follows
``[hooks] on_error`` (allow with a one-line warning, or deny at pretool).
"""

from __future__ import annotations

import os
import sys
from typing import Any, Mapping, TextIO

from dos.hooks import HOSTS, dialect
from dos.hooks.event import NOTHING, POST, PRE, STOP, HookEvent, Rendered
from dos.hooks.fast import resolve_root, walk_up

VERBS = ("pretool", "posttool", "stop")
MAX_PAYLOAD = 8 * 1024 * 1024
USAGE = "usage: dos-hook pretool|posttool|stop [--dialect HOST] [--workspace DIR] [--session-id ID] [--debug]"


class HookUsage(Exception):
    pass


def parse_argv(argv: list[str]) -> dict[str, Any]:
    """Flags by hand: argparse costs start-up time on every tool call."""
    opts: dict[str, Any] = {"verb": "", "dialect": "claude-code", "workspace": "", "session": "",
                            "debug": False}
    i = 0
    while i < len(argv):
        arg = argv[i]
        key, eq, value = arg.partition("=")
        name = {"--dialect": "dialect", "--workspace": "workspace", "--session-id": "session"}.get(key)
        if name:
            if not eq:
                if i + 1 >= len(argv):
                    raise HookUsage(f"{key} needs a value")
                i += 1
                value = argv[i]
            opts[name] = value
        elif arg == "--debug":
            opts["debug"] = True
        elif arg in VERBS and not opts["verb"]:
            opts["verb"] = arg
        else:
            raise HookUsage(f"unexpected argument {arg!r}")
        i += 1
    if not opts["verb"]:
        raise HookUsage("which hook? pretool, posttool or stop")
    if opts["dialect"] not in HOSTS:
        raise HookUsage(f"unknown --dialect {opts['dialect']!r} (known: {', '.join(HOSTS)})")
    return opts


class BadPayload(ValueError):
    """The hook's stdin is not one JSON object (the fail policy decides what happens)."""


def read_payload(stdin: Any) -> Any:
    """The event object, or None for empty input; BadPayload for oversized, invalid or non-object input."""
    import json

    raw = stdin.read(MAX_PAYLOAD + 1) if stdin is not None else ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not raw or not raw.strip():
        return None
    if len(raw) > MAX_PAYLOAD:
        raise BadPayload(f"hook payload is over {MAX_PAYLOAD} characters")
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadPayload("hook payload is not valid JSON; the host must send one JSON object on stdin") from None
    if not isinstance(payload, dict):
        raise BadPayload(f"hook payload is a JSON {type(payload).__name__}, not an object")
    return _clean(payload) if "\\u" in raw.lower() or not raw.isascii() else payload


def _clean(obj: Any) -> Any:
    """OBJ with lone surrogates (from ``\\ud800`` escapes or bad input) replaced, so they never reach the store."""
    if isinstance(obj, str):
        try:
            obj.encode("utf-8")
            return obj
        except UnicodeEncodeError:
            return obj.encode("utf-8", "replace").decode("utf-8")
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, dict):
        return {_clean(k): _clean(v) for k, v in obj.items()}
    return obj


def main(argv: list[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one hook; return its exit code. Writes only the host's envelope to STDOUT."""
    argv = list(sys.argv[1:] if argv is None else argv)
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    stderr = sys.stderr if stderr is None else stderr
    env = os.environ if env is None else env
    try:
        opts = parse_argv(argv)
    except HookUsage as exc:
        stderr.write(f"dos-hook: {exc}\n{USAGE}\n")
        return 2
    out, code, err = run(opts, stdin, env, stderr)
    try:
        if out:
            stdout.write(out)
            stdout.flush()
        if err:
            stderr.write(err)
    except (BrokenPipeError, OSError):
        pass
    return code


def run(opts: Mapping[str, Any], stdin: Any, env: Mapping[str, str], stderr: TextIO) -> Rendered:
    """Decide one event; any fault becomes the fail policy's envelope, never a traceback."""
    verb, host = opts["verb"], opts["dialect"]
    event = None
    policy = "allow"
    try:
        payload = read_payload(stdin)
        if payload is None:
            return NOTHING
        mod = dialect(host)
        event = mod.parse(payload, verb)
        if event is None:
            return NOTHING
        if opts["session"]:
            event = _with_session(event, opts["session"])
        from dos.hooks.cache import load_settings
        from dos.hooks.decide import decide

        settings = load_settings(resolve_root(opts["workspace"], event.cwd, env))
        policy = settings.on_error
        return mod.render(decide(event, settings, env), event)
    except BadPayload as exc:  # not a tool call at all: nothing to enforce, but say so
        return "", 0, f"dos-hook: ignored: {exc}\n"
    except Exception as exc:  # noqa: BLE001 - the fail policy owns every internal fault
        return _failed(exc, host, event, policy, env, stderr, opts.get("debug", False))


def _with_session(event: HookEvent, session: str) -> HookEvent:
    from dataclasses import replace

    return replace(event, session=session)


def _failed(exc: BaseException, host: str, event: HookEvent | None, policy: str, env: Mapping[str, str],
            stderr: TextIO, debug: bool) -> Rendered:
    msg = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    if debug:
        import traceback

        stderr.write("".join(traceback.format_exception(exc)))
    policy = env.get("DOS_HOOK_ON_ERROR", policy) if policy == "allow" else policy
    if event is None or event.moment != PRE or policy != "deny":
        return "", 0, f"dos-hook: warning: {msg}; allowing ([hooks] on_error = \"allow\")\n"
    from dos.kernel.enforce import Verdict

    verdict = Verdict("deny", "HOOK_ERROR", reason=(
        f"DOS hook failed ({msg}) and [hooks] on_error = \"deny\"; fix the error (`dos doctor`) or "
        "set on_error = \"allow\"."))
    try:
        return dialect(host).render(verdict, event)
    except Exception:  # noqa: BLE001
        return "", 2, verdict.reason + "\n"


__all__ = ["main", "run", "parse_argv", "read_payload", "resolve_root", "walk_up", "POST", "PRE", "STOP"]
