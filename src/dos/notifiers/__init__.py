"""Notifiers: where ``dos notify`` pushes a summary for a person (entry-point group ``dos.notifiers``).

A notifier has a ``name``, ``send(note) -> NotifyResult`` and optionally ``check()`` (why a
real send would fail, so a dry run fails like one). ``NotifyResult.retryable`` marks a
failure worth another attempt (a timeout, HTTP 429 or 5xx); the service retries with
backoff. Built-ins resolve first and cannot be shadowed. Transport only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUP = "dos.notifiers"
BUILTIN = {
    "null": "dos.notifiers.null:NullNotifier",
    "slack": "dos.notifiers.slack:SlackNotifier",
    "webhook": "dos.notifiers.webhook:WebhookNotifier",
}
GLYPH = {"INFO": "·", "WARN": "▲", "URGENT": "‼"}
SUMMARY_CAP = 8000


@dataclass(frozen=True)
class Notification:
    """One push: severity (INFO, WARN or URGENT), a title, a plain-text summary, labelled fields, and
    ``key`` (what it is about: the de-dup window and Slack's edit-in-place go by it). ``digest``
    fingerprints the content that matters (not ages), so an unchanged queue is not sent twice."""

    severity: str
    title: str
    summary: str
    fields: tuple[tuple[str, str], ...] = ()
    key: str = ""
    source: str = ""
    digest: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "title": self.title, "summary": self.summary,
                "fields": [list(f) for f in self.fields], "key": self.key, "source": self.source}

    @property
    def glyph(self) -> str:
        return GLYPH.get(self.severity, "·")

    def text(self, cap: int = SUMMARY_CAP) -> str:
        summary = self.summary if len(self.summary) <= cap else self.summary[: cap - 1] + "…"
        return f"{self.glyph} [{self.severity}] {self.title}\n{summary}"


@dataclass(frozen=True)
class NotifyResult:
    """What one ``send`` did. ``ok`` is False for a failure (or a dry run that would fail)."""

    delivered: bool
    detail: str
    ref: str = ""
    ok: bool = True
    retryable: bool = False
    retry_after: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"delivered": self.delivered, "detail": self.detail, "ref": self.ref}


def http_failure(exc: BaseException, url: str) -> NotifyResult:
    """An urllib failure as a NotifyResult: 429 and 5xx and network errors are worth retrying."""
    import urllib.error

    if isinstance(exc, urllib.error.HTTPError):
        retry_after = None
        raw = exc.headers.get("Retry-After") if exc.headers else None
        if raw:
            try:
                retry_after = float(raw)
            except ValueError:
                retry_after = None
        retryable = exc.code == 429 or exc.code >= 500
        return NotifyResult(False, f"{url} answered HTTP {exc.code}", ok=False, retryable=retryable,
                            retry_after=retry_after)
    reason = getattr(exc, "reason", exc)
    return NotifyResult(False, f"cannot reach {url} ({reason})", ok=False, retryable=True)
