"""The ``slack`` notifier: ``chat.postMessage``, or ``chat.update`` of the message it posted before.

The token comes from ``--token``, ``SLACK_BOT_TOKEN`` or ``<root>/.env``; the channel is a
name or an id. ``notify top`` edits its last message in place (the service passes that
message's ``channel:ts`` as ``previous``). ``DOS_SLACK_API_URL`` points at another API root.
"""

from __future__ import annotations

import json
import urllib.request

from dos.notifiers import Notification, NotifyResult, http_failure

API = "https://slack.com/api"
TEXT_CAP = 3500
RETRY_ERRORS = ("ratelimited", "rate_limited", "service_unavailable", "request_timeout", "fatal_error",
                "internal_error")


class SlackNotifier:
    name = "slack"

    def __init__(self, token: str = "", channel: str = "", api_url: str = "", previous: str = "",
                 dry_run: bool = False, timeout: float = 10.0) -> None:
        self.token = token
        self.channel = channel.strip()
        self.api_url = (api_url or API).rstrip("/")
        self.previous = previous
        self.dry_run = dry_run
        self.timeout = timeout

    def check(self) -> str:
        if not self.channel:
            return "no channel: pass --channel NAME|ID or set [observe] slack_channel"
        if not self.token:
            return "no Slack token: pass --token, set SLACK_BOT_TOKEN, or put it in the workspace .env"
        return ""

    def _message(self, note: Notification) -> str:
        lines = [f"{note.glyph} *[{note.severity}] {note.title}*"]
        lines += [f"• *{label}*: {value}" for label, value in note.fields]
        text = "\n".join(lines)
        summary = note.summary if len(note.summary) <= TEXT_CAP else note.summary[: TEXT_CAP - 1] + "…"
        return f"{text}\n```{summary}```" if summary else text

    def send(self, note: Notification) -> NotifyResult:
        problem = self.check()
        update = bool(self.previous and ":" in self.previous)
        if self.dry_run:
            if problem:
                return NotifyResult(False, f"[dry-run] would fail: {problem}", ok=False)
            verb = "update its message in" if update else "post to"
            return NotifyResult(False, f"[dry-run] would {verb} {self.channel} ({note.severity}: {note.title})")
        if problem:
            return NotifyResult(False, problem, ok=False)
        body: dict = {"channel": self.channel, "text": self._message(note), "unfurl_links": False}
        method = "chat.postMessage"
        if update:
            channel, _, ts = self.previous.partition(":")
            body.update(channel=channel, ts=ts)
            method = "chat.update"
        result = self._call(method, body)
        if not result.ok and update and result.extra.get("error") in ("message_not_found", "cant_update_message"):
            body.pop("ts", None)
            body["channel"] = self.channel
            result = self._call("chat.postMessage", body)
        return result

    def _call(self, method: str, body: dict) -> NotifyResult:
        url = f"{self.api_url}/{method}"
        req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                data = json.loads(resp.read().decode("utf-8") or "{}")
        except json.JSONDecodeError:
            return NotifyResult(False, f"{url} answered with something that is not JSON", ok=False, retryable=True)
        except Exception as exc:  # noqa: BLE001
            return http_failure(exc, url)
        if not data.get("ok"):
            error = str(data.get("error", "unknown_error"))
            return NotifyResult(False, f"Slack {method} refused: {error}", ok=False,
                                retryable=error in RETRY_ERRORS, extra={"error": error})
        ref = f"{data.get('channel', body.get('channel'))}:{data.get('ts', body.get('ts', ''))}"
        verb = "updated" if method == "chat.update" else "posted"
        return NotifyResult(True, f"{verb} in {data.get('channel', body.get('channel'))} (ts {data.get('ts', '')})",
                            ref)
