"""Did a fan-out worker really return, or did its host write the last word? Pure.

The terminal record of a worker's transcript decides, read from the host's own log:
Claude Code (JSONL: the last ``assistant`` record), Codex (a rollout's ``event_msg`` and
``response_item`` records, or ``codex exec --json`` events) and Gemini CLI (a session's
``gemini``/``error`` messages, JSONL or the older single JSON document). The ladder:
SYNTHETIC (the host authored it: a rate limit, auth, server or usage-limit error; dead),
EMPTY (no result; dead), UNREADABLE (the file could not be read: never counted as a
death), HEALTHY. ``coverage`` folds many such verdicts against a declared fan-out width.
"""

from __future__ import annotations

from dos.kernel.jsonc import JSONError, loads
from dos.kernel.record import Choice, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping, Sequence

SYNTHETIC_MODEL = "<synthetic>"
USER_TURN = "user"  # a Codex record that starts a user turn
LEAD_CHARS = 400


class Terminal(Choice, values=("HEALTHY", "SYNTHETIC", "EMPTY", "UNREADABLE")):
    """A transcript's terminal state."""


class DeadClass(Choice, values=("RATE_LIMIT", "AUTH", "SERVER", "USAGE_LIMIT", "OTHER", "NONE")):
    """Why a host-authored terminal died."""


DEAD = frozenset({Terminal.SYNTHETIC, Terminal.EMPTY})

# Phrases, casefolded. Usage limits first: hosts report a plan quota as a rate limit (HTTP 429,
# Claude Code's error "rate_limit"), and "(not your usage limit)" is a server-side rate limit.
_NOT_USAGE = ("not your usage limit",)
_USAGE = ("usage limit", "hit your limit", "hit your session limit", "hit your weekly limit", "weekly limit",
          "session limit", "5-hour limit", "five-hour limit", "out of extra usage", "out of usage credits",
          "disabled claude", "credit balance is too low", "requires usage credits", "monthly spend limit",
          "exhausted your daily quota", "daily quota", "quota exceeded", "quota will reset", "usage_limit",
          "quota_exceeded", "billing_error", "usage_not_included")
_AUTH = ("invalid api key", "authentication", "please run /login", "not logged in", "oauth token",
         "unauthorized", "unauthenticated", "invalid authentication credentials", "refresh token", "sign in again",
         "permission_denied", "api key not valid")
_RATE = ("rate limit", "rate_limit", "rate limited", "too many requests", "resource_exhausted",
         "temporarily limiting requests")
_SERVER = ("internal server error", "server-side", "server error", "server_error", "overloaded", "api_error",
           "service unavailable", "internal_server_error", "(status: internal)", "(status: unavailable)",
           "capacity", "stream disconnected", "bad gateway", "gateway timeout")
# Structured codes the hosts write beside the text (Claude Code ``error``, Codex ``codex_error_info``).
_CODES = {
    "rate_limit": DeadClass.RATE_LIMIT, "rate_limit_exceeded": DeadClass.RATE_LIMIT,
    "response_too_many_failed_attempts": DeadClass.RATE_LIMIT,
    "authentication_failed": DeadClass.AUTH, "oauth_org_not_allowed": DeadClass.AUTH, "unauthorized": DeadClass.AUTH,
    "account_on_hold": DeadClass.USAGE_LIMIT, "billing_error": DeadClass.USAGE_LIMIT,
    "usage_limit_exceeded": DeadClass.USAGE_LIMIT, "usage_limit_reached": DeadClass.USAGE_LIMIT,
    "quota_exceeded": DeadClass.USAGE_LIMIT, "usage_not_included": DeadClass.USAGE_LIMIT,
    "server_error": DeadClass.SERVER, "overloaded": DeadClass.SERVER, "internal_server_error": DeadClass.SERVER,
    "server_overloaded": DeadClass.SERVER, "response_stream_disconnected": DeadClass.SERVER,
    "response_stream_connection_failed": DeadClass.SERVER,
}


def dead_class(text: str, status: int | None = None, code: str = "") -> DeadClass:
    """The class of a host-authored error from its text, its HTTP status and its structured code."""
    t = (text or "").casefold()
    usage = any(p in t for p in _USAGE) and not any(p in t for p in _NOT_USAGE)
    if usage:
        return DeadClass.USAGE_LIMIT
    if code in _CODES:
        return _CODES[code]
    if status == 401:
        return DeadClass.AUTH
    if status == 429:
        return DeadClass.RATE_LIMIT
    if status is not None and status >= 500:
        return DeadClass.SERVER
    if status == 403:
        return DeadClass.USAGE_LIMIT
    for phrases, cls in ((_AUTH, DeadClass.AUTH), (_RATE, DeadClass.RATE_LIMIT), (_SERVER, DeadClass.SERVER)):
        if any(p in t for p in phrases):
            return cls
    return DeadClass.OTHER


def status_in(text: str) -> int | None:
    """An HTTP status an error message names ('API Error: 429 …', 'last status: 401 …'), or None."""
    t = text or ""
    for marker in ("API Error: ", "Error: ", "status: ", "status ", "Status: "):
        i = t.find(marker)
        while i >= 0:
            digits = t[i + len(marker):i + len(marker) + 3]
            if digits.isdigit() and 400 <= int(digits) <= 599:
                return int(digits)
            i = t.find(marker, i + 1)
    return None


class TerminalVerdict(Record):
    """The terminal of one transcript: its state, and for a host-authored one, why it died."""

    __slots__ = ("state", "reason", "klass", "api_status", "host", "model", "lead")
    _defaults = {"klass": DeadClass.NONE, "api_status": None, "host": "", "model": "", "lead": ""}

    @property
    def token(self) -> str:
        return str(self.state)

    @property
    def dead(self) -> bool:
        return self.state in DEAD

    @property
    def evidence(self) -> dict[str, Any]:
        return {"host": self.host, "model": self.model, "api_status": self.api_status, "lead": self.lead}

    def envelope(self) -> dict[str, Any]:
        """The fold site's instruction: a dead result is blocked and never rendered as a finding."""
        if not self.dead:
            return {"all_clear": True, "verdict": "LIVE", "state": str(self.state), "reason": self.reason}
        cls = f"RESULT_DEAD_{self.klass}" if self.state == Terminal.SYNTHETIC else "RESULT_EMPTY"
        return {"do_not_render": True, "blocked": True, "all_clear": False, "verdict": "WEDGE",
                "reason_class": cls, "state": str(self.state), "api_status": self.api_status, "reason": self.reason}

    def line(self) -> str:
        head = "DEAD" if self.dead else str(self.state)
        status = f" apiErrorStatus={self.api_status}" if self.api_status is not None else ""
        cls = f" class={self.klass}" if self.state == Terminal.SYNTHETIC else ""
        return f"{head} {self.state}{status}{cls} — {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"state": str(self.state), "dead": self.dead, "class": str(self.klass), "api_status": self.api_status,
                "reason": self.reason, "envelope": self.envelope(), "host": self.host, "model": self.model}


def unreadable(why: str) -> TerminalVerdict:
    return TerminalVerdict(Terminal.UNREADABLE, f"transcript unreadable ({why}) — not counted as a death")


def _synthetic(host: str, model: str, text: str, status: int | None, code: str, marker: str) -> TerminalVerdict:
    cls = dead_class(text, status, code)
    lead = " ".join(text.split())[:LEAD_CHARS]
    return TerminalVerdict(Terminal.SYNTHETIC, f"host-authored terminal ({marker}) — the worker died ({cls}); "
                           f"its last words are not a result: count it dead and do not fold it", cls, status, host,
                           model, lead)


def _empty(host: str, why: str, model: str = "") -> TerminalVerdict:
    return TerminalVerdict(Terminal.EMPTY, f"{why} — the worker produced no result", host=host, model=model)


def _healthy(host: str, model: str, what: str) -> TerminalVerdict:
    return TerminalVerdict(Terminal.HEALTHY, f"the terminal {what} is model-authored and carries content",
                           host=host, model=model)


def _status(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _parse(lines: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        if not line.strip():
            continue
        try:
            rec = loads(line)
        except (JSONError, ValueError, RecursionError):
            continue  # a torn or foreign line is skipped, never a death by itself
        if isinstance(rec, dict):
            out.append(rec)
    return out


def classify_text(text: str) -> TerminalVerdict:
    """The terminal verdict of a whole transcript file's TEXT (any of the three hosts)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = loads(stripped)
        except (JSONError, ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("messages"), list):  # Gemini's single JSON document
            return _gemini([m for m in doc["messages"] if isinstance(m, dict)])
    return classify_records(_parse(text.splitlines()))


def host_of(records: Sequence[Mapping[str, Any]]) -> str:
    for rec in records:
        kind = rec.get("type")
        if kind in ("session_meta", "response_item", "event_msg", "turn_context", "compacted"):
            return "codex"
        if isinstance(kind, str) and (kind.startswith("thread.") or kind.startswith("turn.") or kind.startswith("item.")):
            return "codex"
        if "projectHash" in rec or kind in ("gemini", "info", "warning") or "$set" in rec:
            return "gemini"
        if isinstance(rec.get("message"), dict) or kind in ("assistant", "user", "summary", "system"):
            return "claude-code"
    return "claude-code"


def classify_records(records: Sequence[Mapping[str, Any]]) -> TerminalVerdict:
    """The terminal verdict of parsed transcript RECORDS, oldest first."""
    host = host_of(records)
    if host == "codex":
        return _codex(records)
    if host == "gemini":
        return _gemini(records)
    return _claude(records)


# --------------------------------------------------------------------------- Claude Code


def _has_content(content: Any) -> bool:
    if isinstance(content, str):
        return bool(content.strip())
    if not isinstance(content, list):
        return False
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            if isinstance(block.get("text"), str) and block["text"].strip():
                return True
        elif kind in ("tool_use", "tool_result", "thinking", "redacted_thinking", "image", "server_tool_use"):
            return True
    return False


def _first_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    for block in content if isinstance(content, list) else ():
        if isinstance(block, dict) and block.get("type") == "text" and isinstance(block.get("text"), str):
            return block["text"]
    return ""


def _claude(records: Sequence[Mapping[str, Any]]) -> TerminalVerdict:
    host = "claude-code"
    last = None
    for rec in reversed(records):
        msg = rec.get("message")
        if isinstance(msg, dict) and msg.get("role") == "assistant":
            last = rec
            break
    if last is None:
        return _empty(host, "no assistant record in the transcript")
    msg = last["message"]
    model = msg.get("model") if isinstance(msg.get("model"), str) else ""
    text = _first_text(msg.get("content"))
    status = _status(last.get("apiErrorStatus"))
    if model == SYNTHETIC_MODEL or last.get("isApiErrorMessage") is True:
        marks = [f"model={model}" if model else "isApiErrorMessage", f"stop_reason={msg.get('stop_reason')}"]
        if status is not None:
            marks.append(f"apiErrorStatus={status}")
        code = last.get("error") if isinstance(last.get("error"), str) else ""
        return _synthetic(host, model, text, status if status is not None else status_in(text), code,
                          " + ".join(marks))
    if not _has_content(msg.get("content")):
        return _empty(host, "the terminal assistant record carries no content", model)
    return _healthy(host, model, "assistant record")


# --------------------------------------------------------------------------- Codex


def _codex_error(rec: Mapping[str, Any]) -> tuple[str, str, int | None] | None:
    """(message, code, HTTP status) when REC is a Codex error, else None."""
    kind, payload = rec.get("type"), rec.get("payload")
    if kind == "event_msg" and isinstance(payload, dict) and payload.get("type") in ("error", "stream_error"):
        info = payload.get("codex_error_info")
        code = info if isinstance(info, str) else (next(iter(info), "") if isinstance(info, dict) else "")
        return str(payload.get("message") or ""), str(code), _info_status(info)
    if kind in ("turn.failed", "error"):
        err = rec.get("error")
        text = err.get("message") if isinstance(err, dict) else rec.get("message")
        return str(text or ""), "", None
    return None


def _info_status(info: Any) -> int | None:
    """The HTTP status inside a structured Codex error ({"http_connection_failed": {"http_status_code": 429}})."""
    if isinstance(info, dict):
        for value in info.values():
            if isinstance(value, dict):
                return _status(value.get("http_status_code"))
    return None


def _codex_output(rec: Mapping[str, Any]) -> Any:
    """True: REC is model output with content; False: without content; USER_TURN: a user message; None: neither."""
    kind, payload = rec.get("type"), rec.get("payload")
    if kind == "response_item" and isinstance(payload, dict):
        ptype = payload.get("type")
        if ptype == "message" and payload.get("role") == "assistant":
            parts = payload.get("content") or []
            return any(isinstance(p, dict) and isinstance(p.get("text"), str) and p["text"].strip() for p in parts)
        if ptype in ("function_call", "local_shell_call", "custom_tool_call", "web_search_call"):
            return True
        if ptype == "message" and payload.get("role") == "user":
            return USER_TURN
        return None
    if kind == "event_msg" and isinstance(payload, dict) and payload.get("type") == "agent_message":
        return isinstance(payload.get("message"), str) and bool(payload["message"].strip())
    if kind == "item.completed" and isinstance(rec.get("item"), dict):
        item = rec["item"]
        if item.get("type") == "agent_message":
            return isinstance(item.get("text"), str) and bool(item["text"].strip())
        if item.get("type") in ("command_execution", "file_change", "mcp_tool_call", "web_search"):
            return True
    return None


def _codex(records: Sequence[Mapping[str, Any]]) -> TerminalVerdict:
    host, model = "codex", ""
    for rec in records:
        payload = rec.get("payload")
        if rec.get("type") == "turn_context" and isinstance(payload, dict) and isinstance(payload.get("model"), str):
            model = payload["model"]
    for rec in reversed(records):
        err = _codex_error(rec)
        if err is not None:
            text, code, status = err
            status = status if status is not None else status_in(text)
            return _synthetic(host, model, text, status, code, "a Codex error event")
        out = _codex_output(rec)
        if out is True:
            return _healthy(host, model, "model output")
        if out is False:
            return _empty(host, "the last model message is blank", model)
        if out is USER_TURN:
            return _empty(host, "the last user message got no model output", model)
        payload = rec.get("payload")
        if rec.get("type") == "event_msg" and isinstance(payload, dict) and payload.get("type") == "turn_aborted":
            return _empty(host, "the last turn was aborted", model)
        if rec.get("type") == "event_msg" and isinstance(payload, dict) and payload.get("type") == "user_message":
            return _empty(host, "the last user message got no model output", model)
    return _empty(host, "no model output in the session log", model)


# --------------------------------------------------------------------------- Gemini CLI


def _gemini(records: Sequence[Mapping[str, Any]]) -> TerminalVerdict:
    host = "gemini"
    messages: dict[str, Mapping[str, Any]] = {}
    order: list[str] = []
    for i, rec in enumerate(records):
        if "$set" in rec or not isinstance(rec.get("type"), str) or "content" not in rec and "toolCalls" not in rec:
            continue
        key = rec.get("id") if isinstance(rec.get("id"), str) else f"#{i}"
        if key not in messages:
            order.append(key)
        messages[key] = rec  # a re-appended message replaces its earlier copy in place
    for key in reversed(order):
        m = messages[key]
        kind, model = m.get("type"), m.get("model") if isinstance(m.get("model"), str) else ""
        if kind in ("info", "warning"):
            continue
        text = m.get("content")
        text = text if isinstance(text, str) else _gemini_text(text)
        if kind == "error":
            return _synthetic(host, model, text, status_in(text), "", "a Gemini CLI error message")
        if kind == "gemini":
            if text.strip() or m.get("toolCalls"):
                return _healthy(host, model, "gemini message")
            return _empty(host, "the last gemini message is blank", model)
        if kind == "user":
            return _empty(host, "the last user message got no reply")
    return _empty(host, "no gemini message in the session")


def _gemini_text(parts: Any) -> str:
    if isinstance(parts, dict):
        parts = [parts]
    if not isinstance(parts, list):
        return ""
    return "".join(p["text"] for p in parts if isinstance(p, dict) and isinstance(p.get("text"), str))
