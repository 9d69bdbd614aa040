"""A scripted stand-in for four model APIs, on 127.0.0.1, for driving real agent CLIs.

It speaks just enough of each provider's wire format for a CLI to run a conversation
whose every model turn is fixed in advance:

* Anthropic Messages (``POST /v1/messages``, SSE or plain JSON, ``tool_use`` blocks;
  ``/v1/messages/count_tokens``), as Claude Code calls it through ``ANTHROPIC_BASE_URL``;
* OpenAI Responses (``POST /v1/responses``, SSE, ``function_call`` / ``custom_tool_call``
  items), as Codex calls it with ``wire_api = "responses"``;
* Gemini (``…:generateContent`` and ``…:streamGenerateContent?alt=sse``, ``functionCall``
  parts; ``…:countTokens``), as Gemini CLI calls it through ``GOOGLE_GEMINI_BASE_URL``;
* OpenAI Chat Completions (``POST /v1/chat/completions``, SSE chunks ending ``[DONE]`` or
  plain JSON, ``tool_calls``), as Qwen Code calls it through ``OPENAI_BASE_URL`` and OpenCode
  through an ``@ai-sdk/openai-compatible`` provider's ``options.baseURL``.

A script is a list of turns, each ``call(NAME, **ARGS)`` or ``say(TEXT)``. Which turn a
request gets is read from the request itself: the number of tool results already in its
history. A retried request therefore gets the same answer, and a side request (a title,
a classifier, a "who speaks next" check: anything that offers the model no tools) never
consumes a turn. Every request is recorded, so a test can read what the CLI told the
model, in particular the tool result that carried a hook's deny reason.

Standard library only.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit


# --------------------------------------------------------------------------- the script


@dataclass(frozen=True)
class Turn:
    """One model turn: a tool call (NAME, ARGS) or a final text (TEXT)."""

    kind: str  # "call" | "say" | "dynamic"
    name: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    fn: Any = None  # dynamic: request text -> Turn, called when the turn is served


def call(name: str, **args: Any) -> Turn:
    """The model asks to run tool NAME with ARGS."""
    return Turn("call", name=name, args=args)


def say(text: str) -> Turn:
    """The model answers TEXT and ends its turn."""
    return Turn("say", text=text)


def dynamic(fn: Any) -> Turn:
    """A turn decided when it is served: FN gets the whole request (JSON text) and returns a call or a say.

    A stop hook's refusal re-prompts the model without a new tool result, so the same index is
    served again: FN sees the refusal in the request and can answer differently.
    """
    return Turn("dynamic", fn=fn)


@dataclass
class Request:
    """One HTTP request the fake received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any  # parsed JSON, the raw text if it is not JSON, or None
    api: str = ""  # anthropic | openai | gemini | "" (unknown)
    main: bool = False  # a conversation turn (tools offered), not a side request
    turn: int | None = None  # the script index served, for main requests
    at: float = 0.0


# --------------------------------------------------------------------------- history readers


def _anthropic_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for msg in body.get("messages") or []:
        content = msg.get("content") if isinstance(msg, dict) else None
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_result":
                    out.append({"id": block.get("tool_use_id", ""), "error": bool(block.get("is_error")),
                                "text": _flatten(block.get("content"))})
    return out


def _openai_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    items = body.get("input")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("type") in ("function_call_output", "custom_tool_call_output",
                                                           "local_shell_call_output"):
            out.append({"id": item.get("call_id", ""), "error": False, "text": _flatten(item.get("output"))})
    return out


def _gemini_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for content in body.get("contents") or []:
        for part in (content.get("parts") or []) if isinstance(content, dict) else []:
            if isinstance(part, dict) and isinstance(part.get("functionResponse"), dict):
                fr = part["functionResponse"]
                resp = fr.get("response")
                out.append({"id": fr.get("id", fr.get("name", "")),
                            "error": isinstance(resp, dict) and "error" in resp, "text": _flatten(resp)})
    return out


def _flatten(value: Any) -> str:
    """All the text inside VALUE (a string, a list of blocks, a dict), joined."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_flatten(v) for v in value)
    if isinstance(value, dict):
        if isinstance(value.get("text"), str):
            return value["text"]
        return "\n".join(_flatten(v) for v in value.values())
    return str(value)


def _chat_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for msg in body.get("messages") or []:
        if isinstance(msg, dict) and msg.get("role") == "tool":
            out.append({"id": msg.get("tool_call_id", ""), "error": False, "text": _flatten(msg.get("content"))})
    return out


RESULTS = {"anthropic": _anthropic_results, "openai": _openai_results, "gemini": _gemini_results,
           "openai-chat": _chat_results}


# --------------------------------------------------------------------------- the server


class FakeModel:
    """A threaded HTTP server on 127.0.0.1 (a free port) that plays SCRIPT to any of four APIs."""

    def __init__(self, script: list[Turn] | None = None, *, final: str = "Done.", max_turns: int = 12) -> None:
        self.script = list(script or [])
        self.final = final  # what the model says once the script is spent
        self.max_turns = max_turns  # past this many conversation requests the fake answers 400 (a runaway loop)
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> "FakeModel":
        fake = self

        class Handler(_Handler):
            model = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fakemodel", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeModel":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The origin, e.g. ``http://127.0.0.1:PORT`` (Anthropic and Gemini base URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_url(self) -> str:
        """The OpenAI-style base URL (with ``/v1``), as a Codex ``model_providers`` entry wants it."""
        return self.url + "/v1"

    # -- what a test reads

    def main_requests(self, api: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.main and (api is None or r.api == api)]

    def tool_results(self, api: str | None = None) -> list[dict[str, Any]]:
        """Every distinct tool result the CLI sent back to the model, oldest first."""
        seen: dict[str, dict[str, Any]] = {}
        for req in self.main_requests(api):
            for res in RESULTS[req.api](req.body):
                seen.setdefault(f"{res['id']}\0{res['text']}", res)
        return list(seen.values())

    def transcript(self) -> str:
        """A short human-readable log of every request (repeats folded), for assertion messages."""
        lines: list[list] = []
        with self._lock:
            for r in self.requests:
                tag = f"turn {r.turn}" if r.main else "side"
                line = f"{r.method} {r.path} [{r.api or '?'}] {tag}"
                if lines and lines[-1][0] == line:
                    lines[-1][1] += 1
                else:
                    lines.append([line, 1])
        return "\n".join(line + (f"  (x{n})" if n > 1 else "") for line, n in lines)

    # -- deciding a turn

    def turn_for(self, index: int, body: Any = None) -> Turn:
        turn = self.script[index] if index < len(self.script) else say(self.final)
        if turn.kind == "dynamic":
            turn = turn.fn(json.dumps(body))
        return turn

    def record(self, req: Request) -> None:
        with self._lock:
            self.requests.append(req)

    def runaway(self) -> bool:
        """True once the CLI has sent more conversation requests than any script here needs."""
        with self._lock:
            return sum(r.main for r in self.requests) > self.max_turns

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):04d}"


class _Handler(BaseHTTPRequestHandler):
    model: FakeModel
    protocol_version = "HTTP/1.1"
    server_version = "fakemodel/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    # -- plumbing

    def _body(self) -> Any:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raw = self._read_chunked()
        enc = self.headers.get("Content-Encoding", "").lower()
        try:
            if enc == "gzip":
                raw = gzip.decompress(raw)
            elif enc == "deflate":
                raw = zlib.decompress(raw)
            elif enc == "zstd":
                raw = _unzstd(raw)
        except Exception:  # noqa: BLE001 - keep the raw bytes then
            pass
        if not raw:
            return None
        text = raw.decode("utf-8", "replace")
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _read_chunked(self) -> bytes:
        out = b""
        while True:
            size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return out
            out += self.rfile.read(size)
            self.rfile.readline()

    def _json(self, obj: Any, status: int = 200) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("request-id", self.model.next_id("req_"))
        self.end_headers()
        self.wfile.write(data)

    def _sse(self, events: Iterator[tuple[str | None, Any]], *, done: bool = False) -> None:
        """Stream EVENTS; DONE ends with the ``data: [DONE]`` line Chat Completions clients wait for."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.send_header("request-id", self.model.next_id("req_"))
        self.end_headers()
        self.close_connection = True
        try:
            for name, data in events:
                chunk = (f"event: {name}\n" if name else "") + f"data: {json.dumps(data)}\n\n"
                self.wfile.write(chunk.encode())
                self.wfile.flush()
            if done:
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _record(self, body: Any, api: str = "", main: bool = False, turn: int | None = None) -> Request:
        parts = urlsplit(self.path)
        req = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body,
                      api=api, main=main, turn=turn, at=time.time())
        self.model.record(req)
        return req

    # -- routing

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        self._record(None, api=_api_of(path))
        if path.rstrip("/").endswith("/models"):
            if "/v1beta" in path or "/v1alpha" in path:
                return self._json({"models": []})
            return self._json({"object": "list", "data": [], "models": []})
        return self._json({"error": {"type": "not_found", "message": f"fakemodel: no GET {path}"}}, 404)

    def do_HEAD(self) -> None:  # noqa: N802
        self._record(None)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        body = self._body()
        path = urlsplit(self.path).path
        if not isinstance(body, dict):
            self._record(body, api=_api_of(path))
            return self._json({"error": {"message": "fakemodel: the body is not a JSON object"}}, 400)
        if path.endswith("/messages/count_tokens"):
            self._record(body, api="anthropic")
            return self._json({"input_tokens": 42})
        if path.endswith("/messages"):
            return self._anthropic(body)
        if path.endswith("/responses"):
            return self._openai(body)
        if ":countTokens" in path:
            self._record(body, api="gemini")
            return self._json({"totalTokens": 42})
        if ":generateContent" in path or ":streamGenerateContent" in path:
            return self._gemini(body, stream=":streamGenerateContent" in path)
        if path.endswith("/chat/completions"):
            return self._chat(body)
        self._record(body, api=_api_of(path))
        return self._json({"error": {"type": "not_found", "message": f"fakemodel: no POST {path}"}}, 404)

    def _runaway(self, api: str) -> None:
        """A 400 the CLI will not retry: the conversation keeps looping (e.g. a stop hook that always blocks)."""
        msg = f"fakemodel: more than {self.model.max_turns} conversation requests; refusing a runaway loop"
        if api == "anthropic":
            return self._json({"type": "error", "error": {"type": "invalid_request_error", "message": msg}}, 400)
        if api == "gemini":
            return self._json({"error": {"code": 400, "message": msg, "status": "INVALID_ARGUMENT"}}, 400)
        return self._json({"error": {"type": "invalid_request_error", "code": "runaway", "message": msg}}, 400)

    # -- Anthropic Messages

    def _anthropic(self, body: dict[str, Any]) -> None:
        main = bool(body.get("tools"))
        index = len(_anthropic_results(body)) if main else None
        self._record(body, api="anthropic", main=main, turn=index)
        if main and self.model.runaway():
            return self._runaway("anthropic")
        turn = self.model.turn_for(index, body) if main else say(_side_text(body))
        msg_id = self.model.next_id("msg_")
        model = body.get("model", "claude-fake")
        usage = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0,
                 "cache_read_input_tokens": 0}
        if turn.kind == "call":
            block = {"type": "tool_use", "id": self.model.next_id("toolu_"), "name": turn.name,
                     "input": turn.args}
            stop = "tool_use"
        else:
            block = {"type": "text", "text": turn.text}
            stop = "end_turn"
        if not body.get("stream"):
            return self._json({"id": msg_id, "type": "message", "role": "assistant", "model": model,
                               "content": [block], "stop_reason": stop, "stop_sequence": None, "usage": usage})

        def events() -> Iterator[tuple[str, Any]]:
            yield "message_start", {"type": "message_start", "message": {
                "id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "stop_sequence": None, "usage": dict(usage, output_tokens=1)}}
            if block["type"] == "tool_use":
                yield "content_block_start", {"type": "content_block_start", "index": 0,
                                              "content_block": dict(block, input={})}
                yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {
                    "type": "input_json_delta", "partial_json": json.dumps(block["input"])}}
            else:
                yield "content_block_start", {"type": "content_block_start", "index": 0,
                                              "content_block": {"type": "text", "text": ""}}
                yield "content_block_delta", {"type": "content_block_delta", "index": 0,
                                              "delta": {"type": "text_delta", "text": block["text"]}}
            yield "content_block_stop", {"type": "content_block_stop", "index": 0}
            yield "message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                    "usage": {"output_tokens": 5}}
            yield "message_stop", {"type": "message_stop"}

        return self._sse(events())

    # -- OpenAI Responses

    def _openai(self, body: dict[str, Any]) -> None:
        tools = body.get("tools") or []
        main = bool(tools)
        index = len(_openai_results(body)) if main else None
        self._record(body, api="openai", main=main, turn=index)
        if main and self.model.runaway():
            return self._runaway("openai")
        turn = self.model.turn_for(index, body) if main else say(_side_text(body))
        resp_id = self.model.next_id("resp_")
        model = body.get("model", "gpt-fake")
        if turn.kind == "call":
            kind = next((t.get("type") for t in tools if isinstance(t, dict)
                         and (t.get("name") == turn.name or (t.get("function") or {}).get("name") == turn.name)),
                        "function")
            call_id = self.model.next_id("call_")
            if kind == "custom":
                raw = turn.args.get("input", "")
                item = {"type": "custom_tool_call", "id": self.model.next_id("ctc_"), "status": "completed",
                        "call_id": call_id, "name": turn.name, "input": raw if isinstance(raw, str) else json.dumps(raw)}
            else:
                item = {"type": "function_call", "id": self.model.next_id("fc_"), "status": "completed",
                        "call_id": call_id, "name": turn.name, "arguments": json.dumps(turn.args)}
        else:
            item = {"type": "message", "id": self.model.next_id("msg_"), "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": turn.text, "annotations": []}]}
        usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
                 "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}
        base = {"id": resp_id, "object": "response", "created_at": int(time.time()), "model": model}

        def events() -> Iterator[tuple[str, Any]]:
            yield "response.created", {"type": "response.created", "sequence_number": 0,
                                       "response": dict(base, status="in_progress", output=[])}
            yield "response.output_item.added", {"type": "response.output_item.added", "sequence_number": 1,
                                                 "output_index": 0, "item": dict(item, status="in_progress")}
            if item["type"] == "message":
                yield "response.output_text.delta", {"type": "response.output_text.delta", "sequence_number": 2,
                                                     "item_id": item["id"], "output_index": 0, "content_index": 0,
                                                     "delta": turn.text}
            yield "response.output_item.done", {"type": "response.output_item.done", "sequence_number": 3,
                                                "output_index": 0, "item": item}
            yield "response.completed", {"type": "response.completed", "sequence_number": 4,
                                         "response": dict(base, status="completed", output=[item], usage=usage)}

        if body.get("stream") is False:
            return self._json(dict(base, status="completed", output=[item], usage=usage))
        return self._sse(events())

    # -- OpenAI Chat Completions

    def _chat(self, body: dict[str, Any]) -> None:
        main = bool(body.get("tools"))
        index = len(_chat_results(body)) if main else None
        self._record(body, api="openai-chat", main=main, turn=index)
        if main and self.model.runaway():
            return self._runaway("openai-chat")
        if main:
            turn = self.model.turn_for(index, body)
        else:
            fmt = body.get("response_format") or {}
            schema = (fmt.get("json_schema") or {}).get("schema") if isinstance(fmt, dict) else None
            turn = say(json.dumps(_fill(schema)) if schema else _side_text(body))
        chat_id = self.model.next_id("chatcmpl-")
        model = body.get("model", "qwen-fake")
        usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
        if turn.kind == "call":
            tool_call = {"id": self.model.next_id("call_"), "type": "function",
                         "function": {"name": turn.name, "arguments": json.dumps(turn.args)}}
            message = {"role": "assistant", "content": None, "tool_calls": [tool_call]}
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": turn.text}
            finish = "stop"
        base = {"id": chat_id, "created": int(time.time()), "model": model}
        if not body.get("stream"):
            return self._json(dict(base, object="chat.completion", usage=usage, choices=[
                {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]))
        delta: dict[str, Any] = {"role": "assistant"}
        if turn.kind == "call":
            delta["tool_calls"] = [dict(message["tool_calls"][0], index=0)]
        else:
            delta["content"] = turn.text
        chunk = dict(base, object="chat.completion.chunk")
        chunks = [dict(chunk, choices=[{"index": 0, "delta": delta, "finish_reason": None}]),
                  dict(chunk, choices=[{"index": 0, "delta": {}, "finish_reason": finish}])]
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append(dict(chunk, choices=[], usage=usage))
        self._sse(iter([(None, c) for c in chunks]), done=True)

    # -- Gemini

    def _gemini(self, body: dict[str, Any], *, stream: bool) -> None:
        tools = body.get("tools") or []
        main = any(isinstance(t, dict) and t.get("functionDeclarations") for t in tools)
        index = len(_gemini_results(body)) if main else None
        self._record(body, api="gemini", main=main, turn=index)
        if main and self.model.runaway():
            return self._runaway("gemini")
        if main:
            turn = self.model.turn_for(index, body)
        else:
            gen = body.get("generationConfig") or {}
            schema = gen.get("responseJsonSchema") or gen.get("responseSchema")
            turn = say(json.dumps(_fill(schema)) if schema else _side_text(body))
        if turn.kind == "call":
            part = {"functionCall": {"name": turn.name, "args": turn.args}}
        else:
            part = {"text": turn.text}
        reply = {"candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
                 "modelVersion": "gemini-fake", "responseId": self.model.next_id("gr_")}
        if not stream:
            return self._json(reply)
        return self._sse(iter([(None, reply)]))


def _api_of(path: str) -> str:
    if "/messages" in path:
        return "anthropic"
    if "/chat/completions" in path:
        return "openai-chat"
    if "/responses" in path or path.startswith("/v1/models"):
        return "openai"
    if "/v1beta" in path or "/v1alpha" in path or ":" in path:
        return "gemini"
    return ""


def _side_text(body: dict[str, Any]) -> str:
    """What a side request (no tools offered) gets: a short neutral answer."""
    return "ok"


def _fill(schema: Any) -> Any:
    """A minimal value that satisfies a JSON schema (first enum value, empty containers)."""
    if not isinstance(schema, dict):
        return {}
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else "object"
    kind = str(kind or "object").lower()
    if kind == "object":
        props = schema.get("properties") or {}
        want = schema.get("required") or list(props)
        return {k: _fill(props.get(k, {})) for k in want}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return "ok"


def _unzstd(raw: bytes) -> bytes:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+
    except ImportError:
        return raw
    return zstd.decompress(raw)


if __name__ == "__main__":  # a manual probe: python fakemodel.py, then point a CLI at it
    import sys

    with FakeModel([say("Hello from the fake model.")]) as fm:
        print(fm.url, flush=True)
        try:
            while True:
                time.sleep(1)
                if "-v" in sys.argv:
                    print(fm.transcript(), flush=True)
        except KeyboardInterrupt:
            pass
