"""The hook's shell: one event in, the host's envelope out, faults turned into the fail policy.

Read the payload, let the host's dialect normalise it, find the workspace and its compiled
settings, ask the service for the event's decision, render it. A payload that is not one
JSON object is refused at pretool while another session holds a lane (DOS cannot tell
what it writes). ``[hooks] on_error`` governs internal faults only: allow (one warning
line) or deny at pretool.
"""

from __future__ import annotations

import os

from dos.hooks.event import NOTHING, VERB_MOMENT, Rendered, storable
from dos.kernel.enforce import Verdict
from dos.service.events import PRE, HookEvent

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.service.settings import Settings

MAX_PAYLOAD = 256 * 1024 * 1024  # past this a payload is not judged; pretool denies while others hold lanes
PROJECT_DIR_ENV = ("CLAUDE_PROJECT_DIR", "GEMINI_PROJECT_DIR", "CURSOR_PROJECT_DIR")


class BadPayload(ValueError):
    """The hook's stdin is not one JSON object."""


def parse_payload(raw: str) -> dict[str, Any] | None:
    """The event object, or None for empty input; BadPayload for anything but one JSON object."""
    from dos.kernel.jsonc import JSONError, loads

    if not raw or not raw.strip():
        return None
    if len(raw) > MAX_PAYLOAD:
        raise BadPayload(f"the payload is over {MAX_PAYLOAD // (1024 * 1024)} MiB")
    try:
        payload = loads(raw)
    except JSONError as exc:
        raise BadPayload(f"the payload is not valid JSON ({exc}); the host must send one JSON object") from None
    if not isinstance(payload, dict):
        raise BadPayload(f"the payload is a JSON {type(payload).__name__}, not an object")
    return payload


def workspace_root(opts: Mapping[str, Any], env: Mapping[str, str], event: HookEvent | None) -> str | None:
    """Where this hook judges: --workspace, env, the host's project dir, the hook's cwd, the event's cwd."""
    from dos.service.settings import find_root

    starts = [env.get(name, "") for name in PROJECT_DIR_ENV]
    try:
        starts.append(os.getcwd())
    except OSError:
        pass
    if event is not None:
        starts.append(event.cwd)
        args = event.tool_input if isinstance(event.tool_input, dict) else {}
        starts += [v for k, v in args.items() if k in ("file_path", "path", "notebook_path", "filePath",
                                                       "absolute_path", "target_file", "TargetFile")
                   and isinstance(v, str) and v.startswith("/")]
    return find_root(opts.get("workspace", ""), env, starts, need_config=opts.get("scope") == "user")


def run(opts: Mapping[str, Any], raw: str, env: Mapping[str, str]) -> Rendered:
    """Decide one event; every fault becomes the fail policy's answer, never a traceback."""
    verb, host = opts["verb"], opts["dialect"]
    event: HookEvent | None = None
    settings: Settings | None = None
    try:
        from dos.hooks import dialect

        mod = dialect(host)
        try:
            payload = parse_payload(raw)
        except BadPayload as exc:
            return _unreadable(opts, env, exc)
        if payload is None:
            return NOTHING
        event = mod.parse(payload, verb)
        if event is None:
            return NOTHING
        if opts.get("session"):
            event = event.replace(session=opts["session"])
        if not event.session.isascii():
            event = event.replace(session=storable(event.session))
        root = workspace_root(opts, env, event)
        if root is None:
            return NOTHING  # outside any workspace: nothing here is DOS's to judge
        from dos.service.settings import load_settings

        settings = load_settings(root)
        decision = _decide(event, settings, env, opts)
        if opts.get("json") and event.moment == "stop":
            out, code, err = _json_report(decision), 0, ""
        else:
            out, code, err = mod.render(decision.verdict, event)
        notes = ([settings.warning] if settings.warning else []) + decision.notes
        return out, code, err + "".join(f"{n if n.startswith('dos-hook') else 'dos-hook: ' + n}\n" for n in notes)
    except Exception as exc:  # noqa: BLE001 - the fail policy owns every internal fault
        return failed(exc, host, event, settings.on_error if settings else _policy(opts, env), opts)


def _decide(event: HookEvent, settings: Settings, env: Mapping[str, str], opts: Mapping[str, Any]) -> Any:
    if event.moment == PRE:
        from dos.service import pretool

        return pretool.decide(event, settings, env)
    if event.moment == "post":
        from dos.service import posttool

        return posttool.decide(event, settings, env)
    if opts.get("verb") == "marker":
        from dos.service import marker

        return marker.decide(event, settings, env, opts)
    if event.moment == "start":
        from dos.service import session

        return session.decide(event, settings, env)
    from dos.service import stop

    return stop.decide(event, settings, env, claims=tuple(opts.get("claims", ())))


def _json_report(decision: Any) -> str:
    """``stop --json`` / ``marker --json``: the decision as one object instead of the host's envelope."""
    from dos.hooks.event import dumps

    v = decision.verdict
    report = {"ok": v.action != "deny", "token": v.token, **decision.detail}
    if v.reason:
        report["reason"] = v.reason
    return dumps(report)


def _policy(opts: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """``[hooks] on_error`` of the workspace this hook runs in ('allow' when it cannot be read)."""
    try:
        root = workspace_root(opts, env, None)
        if root is None:
            return "allow"
        from dos.service.settings import load_settings

        return load_settings(root).on_error
    except Exception:  # noqa: BLE001 - the policy lookup itself must not fail
        return "allow"


def _unreadable(opts: Mapping[str, Any], env: Mapping[str, str], exc: BadPayload) -> Rendered:
    """A pretool payload DOS cannot read is denied while another session holds a lane; else noted."""
    line = f"dos-hook: ignored: {exc}\n"
    if VERB_MOMENT.get(opts["verb"]) != PRE:
        return "", 0, line
    root = workspace_root(opts, env, None)
    if root is None:
        return "", 0, line
    from dos.service.live import LiveView
    from dos.service.settings import load_settings

    view = LiveView(load_settings(root), env)
    try:
        view.read()
    except Exception:  # noqa: BLE001 - an unreadable store with an unreadable payload: deny
        view.leases = [None]  # type: ignore[list-item]
    finally:
        view.close()
    if not view.leases:
        return "", 0, line
    reason = (f"DOS cannot read this tool call ({exc}) while other sessions hold lanes, so it cannot tell "
              "what it writes; the call is refused.")
    event = HookEvent(moment=PRE, host=opts["dialect"], event_name="", tool="?")
    from dos.hooks import dialect

    out, code, err = dialect(opts["dialect"]).render(Verdict("deny", "PAYLOAD_UNREADABLE", reason=reason), event)
    return out, code, err + line


def failed(exc: BaseException, host: str, event: HookEvent | None, policy: str, opts: Mapping[str, Any]) -> Rendered:
    """An internal fault under ``[hooks] on_error``: allow with a warning, or deny at pretool."""
    msg = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    if opts.get("debug"):
        import traceback

        debug = "".join(traceback.format_exception(exc))
    else:
        debug = ""
    pre = (event.moment if event is not None else VERB_MOMENT.get(opts.get("verb", ""))) == PRE
    if policy != "deny" or not pre:
        return "", 0, f"{debug}dos-hook: warning: {msg}; allowing ([hooks] on_error = \"allow\")\n"
    verdict = Verdict("deny", "HOOK_ERROR", reason=(
        f"DOS hook failed ({msg}) and [hooks] on_error = \"deny\"; fix the error (`dos doctor`) or "
        "set on_error = \"allow\"."))
    try:
        from dos.hooks import dialect

        return dialect(host).render(verdict, event or HookEvent(moment=PRE, host=host, event_name=""))
    except Exception:  # noqa: BLE001 - an unknown dialect still blocks through exit 2
        from dos.exitcodes import CONTRACT_ERROR

        return "", CONTRACT_ERROR, debug + verdict.reason + "\n"
