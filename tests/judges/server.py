"""A scripted model endpoint on 127.0.0.1: each request path picks a behaviour; every request is kept."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Scripted:
    """Serves /ok-openai/<STANCE>, /ok-anthropic/<STANCE>, /slow, /not-json, /wrong-shape, /maybe."""

    def __init__(self, usage_in: int = 100, usage_out: int = 2) -> None:
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.usage = (usage_in, usage_out)
        script = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                script.requests.append({"path": self.path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                parts = self.path.strip("/").split("/")
                tin, tout = script.usage
                if parts[0] == "slow":
                    script.release.wait(30)
                    out: Any = {"choices": [{"message": {"content": "AGREE"}}]}
                elif parts[0] == "ok-openai":
                    out = {"choices": [{"message": {"role": "assistant", "content": parts[1]}}],
                           "usage": {"prompt_tokens": tin, "completion_tokens": tout}}
                elif parts[0] == "ok-anthropic":
                    out = {"content": [{"type": "text", "text": parts[1] + "."}],
                           "usage": {"input_tokens": tin, "output_tokens": tout}}
                elif parts[0] == "not-json":
                    self._send(b"<html>oops</html>")
                    return
                elif parts[0] == "maybe":
                    out = {"choices": [{"message": {"content": "Maybe, hard to say"}}]}
                else:
                    out = {"choices": []}
                self._send(json.dumps(out).encode())

            def _send(self, data: bytes) -> None:
                try:
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
