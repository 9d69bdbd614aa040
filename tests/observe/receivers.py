"""Real receivers on 127.0.0.1 for the exporters and notifiers: each a server in a thread.

    Collector   OTLP/HTTP: decodes /v1/logs, /v1/traces and /v1/metrics with the official
                opentelemetry-proto messages; can fail chosen requests, or hold one open
    StatsdListener  UDP: every datagram received
    Webhook     HTTP: every JSON body and its headers; answers with a scripted status list
    FakeSlack   chat.postMessage / chat.update with Slack's JSON answers (ok, ts, channel, error)
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


class _Server:
    """A ThreadingHTTPServer on an ephemeral loopback port, stopped by ``close``."""

    def __init__(self, handler: Callable[[BaseHTTPRequestHandler, str, bytes], None]) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                handler(self, "POST", body)

            def do_PUT(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                handler(self, "PUT", body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.owner = owner

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _reply(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", ctype: str = "application/json",
           headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


class Collector:
    """An OTLP/HTTP collector. ``fail_on``: logs request numbers (1-based) answered 503 without
    keeping them. ``hold_on``: a logs request number held open (``holding`` is set) until
    ``release``, then answered 503 and not kept: a batch in flight when its exporter died."""

    def __init__(self, *, fail_on: tuple[int, ...] = (), hold_on: int | None = None) -> None:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
        from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        self.kinds = {"/v1/logs": ExportLogsServiceRequest, "/v1/traces": ExportTraceServiceRequest,
                      "/v1/metrics": ExportMetricsServiceRequest}
        self.logs: list[Any] = []
        self.traces: list[Any] = []
        self.metrics: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self.seen = {"/v1/logs": 0, "/v1/traces": 0, "/v1/metrics": 0}
        self.fail_on = set(fail_on)
        self.hold_on = hold_on
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server = _Server(self._handle)

    @property
    def url(self) -> str:
        return self.server.url

    def _handle(self, h: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        kind = self.kinds.get(h.path)
        if kind is None or h.headers.get("Content-Type") != "application/x-protobuf":
            _reply(h, 404 if kind is None else 415)
            return
        msg = kind()
        msg.ParseFromString(body)  # a body that is not the message raises: the test sees no record
        with self.lock:
            self.seen[h.path] += 1
            n = self.seen[h.path]
        if h.path == "/v1/logs" and n in self.fail_on:
            _reply(h, 503, b"{}")
            return
        if h.path == "/v1/logs" and self.hold_on == n:
            self.holding.set()  # the exporter is now waiting on this batch: the test kills it
            self.release.wait(30)
            try:
                _reply(h, 503, b"{}")  # never acknowledged, never kept
            except OSError:
                pass
            return
        with self.lock:
            self.headers.append(dict(h.headers))
            {"/v1/logs": self.logs, "/v1/traces": self.traces, "/v1/metrics": self.metrics}[h.path].append(msg)
        _reply(h, 200, b"", "application/x-protobuf")

    def log_records(self) -> list[Any]:
        return [r for req in self.logs for rl in req.resource_logs for sl in rl.scope_logs for r in sl.log_records]

    def spans(self) -> list[Any]:
        return [s for req in self.traces for rs in req.resource_spans for ss in rs.scope_spans for s in ss.spans]

    def points(self) -> list[Any]:
        return [p for req in self.metrics for rm in req.resource_metrics for sm in rm.scope_metrics
                for m in sm.metrics for p in m.sum.data_points]

    def close(self) -> None:
        self.release.set()
        self.server.close()


def attrs(record: Any) -> dict[str, Any]:
    """An OTLP record's attributes as a plain dict."""
    out: dict[str, Any] = {}
    for kv in record.attributes:
        which = kv.value.WhichOneof("value")
        out[kv.key] = getattr(kv.value, which) if which else None
    return out


class StatsdListener:
    """A UDP socket on 127.0.0.1; ``packets(n)`` waits for N datagrams (bounded)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]

    def packets(self, n: int) -> list[str]:
        out = []
        for _ in range(n):
            out.append(self.sock.recv(65535).decode("ascii"))
        return out

    def more(self) -> list[str]:
        self.sock.settimeout(0.2)
        out = []
        try:
            while True:
                out.append(self.sock.recv(65535).decode("ascii"))
        except socket.timeout:
            return out
        finally:
            self.sock.settimeout(5)

    def close(self) -> None:
        self.sock.close()


class Webhook:
    """An HTTP receiver: ``statuses`` are answered in order (then 200); every request is kept."""

    def __init__(self, statuses: tuple[int, ...] = (), retry_after: str = "") -> None:
        self.statuses = list(statuses)
        self.retry_after = retry_after
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.server = _Server(self._handle)

    @property
    def url(self) -> str:
        return self.server.url + "/hook"

    def _handle(self, h: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append({"method": method, "path": h.path, "headers": dict(h.headers),
                                  "body": body, "status": status})
        headers = {"Retry-After": self.retry_after} if status == 429 and self.retry_after else {}
        headers["X-Request-Id"] = f"req-{len(self.requests)}"
        _reply(h, status, b"{}", headers=headers)

    def delivered(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests if r["status"] == 200]

    def close(self) -> None:
        self.server.close()


class FakeSlack:
    """Slack's Web API for chat.postMessage and chat.update: checks the bearer token and the channel;
    ``errors`` are answered in order first (e.g. 'ratelimited'; an int is an HTTP status)."""

    def __init__(self, token: str = "xoxb-test", channels: tuple[str, ...] = ("C0DOS", "#ops"),
                 errors: tuple[Any, ...] = ()) -> None:
        self.token = token
        self.channels = set(channels)
        self.errors = list(errors)
        self.calls: list[dict[str, Any]] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.server = _Server(self._handle)

    @property
    def url(self) -> str:
        return self.server.url + "/api"

    def _handle(self, h: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        data = json.loads(body or b"{}")
        with self.lock:
            self.calls.append({"path": h.path, "auth": h.headers.get("Authorization", ""), "body": data})
            err = self.errors.pop(0) if self.errors else None
        if isinstance(err, int):
            _reply(h, err, b"{}", headers={"Retry-After": "0"})
            return
        if err:
            _reply(h, 200, json.dumps({"ok": False, "error": err}).encode())
            return
        if h.headers.get("Authorization") != f"Bearer {self.token}":
            _reply(h, 200, b'{"ok": false, "error": "invalid_auth"}')
            return
        channel = data.get("channel", "")
        if channel not in self.channels:
            _reply(h, 200, b'{"ok": false, "error": "channel_not_found"}')
            return
        with self.lock:
            if h.path.endswith("/chat.update"):
                if data.get("ts") not in self.messages:
                    _reply(h, 200, b'{"ok": false, "error": "message_not_found"}')
                    return
                ts = data["ts"]
            elif h.path.endswith("/chat.postMessage"):
                ts = f"1700000000.{len(self.messages) + 1:06d}"
            else:
                _reply(h, 404)
                return
            self.messages[ts] = {"channel": channel, "text": data.get("text", "")}
        _reply(h, 200, json.dumps({"ok": True, "channel": channel, "ts": ts}).encode())

    def close(self) -> None:
        self.server.close()
