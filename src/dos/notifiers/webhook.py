"""The ``webhook`` notifier: POSTs the notification as JSON (with a ``text`` field) to a URL."""

from __future__ import annotations

import json
import urllib.request

from dos.notifiers import SUMMARY_CAP, Notification, NotifyResult, http_failure


class WebhookNotifier:
    name = "webhook"

    def __init__(self, url: str = "", token: str = "", dry_run: bool = False, timeout: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.dry_run = dry_run
        self.timeout = timeout

    def check(self) -> str:
        if not self.url:
            return "no webhook URL: pass --url, set DOS_WEBHOOK_URL or [observe] webhook_url"
        if not self.url.startswith(("http://", "https://")):
            return f"webhook URL {self.url!r} is not an http(s):// URL"
        return ""

    def payload(self, note: Notification) -> dict:
        body = note.to_dict()
        if len(body["summary"]) > SUMMARY_CAP:
            body["summary"] = body["summary"][: SUMMARY_CAP - 1] + "…"
        body["text"] = note.text()
        return body

    def send(self, note: Notification) -> NotifyResult:
        problem = self.check()
        if self.dry_run:
            if problem:
                return NotifyResult(False, f"[dry-run] would fail: {problem}", ok=False)
            return NotifyResult(False, f"[dry-run] would POST to {self.url} ({note.severity}: {note.title})")
        if problem:
            return NotifyResult(False, problem, ok=False)
        headers = {"Content-Type": "application/json", "User-Agent": "dos-notify"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url, data=json.dumps(self.payload(note)).encode("utf-8"),
                                     headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
                ref = resp.headers.get("X-Request-Id", "") or ""
                return NotifyResult(True, f"POSTed to {self.url} (HTTP {resp.status})", ref)
        except Exception as exc:  # noqa: BLE001 - every transport fault is a result, never a traceback
            return http_failure(exc, self.url)
