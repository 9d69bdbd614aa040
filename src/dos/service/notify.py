"""``dos notify decisions|top``: push the operator queue or the fleet's state to a person.

The notification is built from the same projections the screens show (``service.decisions``,
``service.fleet``). A send that fails transiently (a timeout, HTTP 429 or 5xx) is retried
with exponential backoff. What was delivered is remembered per key (``notify_log``): the
same content under the same key within ``[observe] notify_dedup_s`` is not sent again, so
one stalled run pages once; Slack's ``top`` message is edited in place. A dry run checks
everything a real send needs and fails (exit 1) exactly where the real send would.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dos.errors import UsageError
from dos.notifiers import Notification, NotifyResult
from dos.service.context import Context

SOURCES = ("decisions", "top")
MAX_RETRY_AFTER_S = 60.0


def _digest(parts: Any) -> str:
    import hashlib

    from dos.kernel.jsonc import dumps

    return hashlib.sha256(dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def _clean(text: Any, n: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def decisions_note(ctx: Context, *, include_all: bool = False, top: int = 5) -> Notification:
    """The operator queue as a notification: WARN when something waits, URGENT for a stalled run."""
    from dos.service.decisions import queue

    items = [x.to_dict() for x in queue(ctx, include_all=include_all)]
    n = len(items)
    if not n:
        return Notification("INFO", "fleet clear — no pending decisions",
                            "# operator decisions\n  (none pending - nothing is waiting on you)", (),
                            "dos-decisions", "decisions", _digest([]))
    urgent = any(x["kind"] in ("STALLED", "LIVENESS") for x in items)
    title = f"{n} decision{'s' if n != 1 else ''} need{'' if n != 1 else 's'} you"
    lines = ["# operator decisions", f"  {n} pending"]
    for i, x in enumerate(items, 1):
        lines.append(f"  {i:>2}. {x['kind']:<15} {_clean(x['lane'] or '-', 14):<14} {_clean(x['reason_text'], 90)}")
        if x.get("proposed_command"):
            lines.append(f"      do: {_clean(x['proposed_command'], 160)}")
    fields = tuple((f"{x['kind']} @ {_clean(x['lane'] or '-', 40)}", _clean(x["reason_text"], 300))
                   for x in items[:max(0, top)])
    digest = _digest(sorted([x["kind"], x["key"]] for x in items))
    return Notification("URGENT" if urgent else "WARN", title, "\n".join(lines), fields, "dos-decisions",
                        "decisions", digest)


def top_note(ctx: Context) -> Notification:
    """The fleet (every lane, its holder and liveness) as a notification; WARN while a run is stalled."""
    from dos.service.fleet import snapshot

    snap = snapshot(ctx, verdicts=False, activity=False)
    t = snap["tally"]
    title = (f"fleet: {t['advancing']} advancing · {t['spinning']} spinning · {t['stalled']} stalled · "
             f"{t['free']} free")
    lines = [f"dos top · {snap['workspace']} · {snap['now']}"]
    fields = []
    state = []
    for r in snap["lanes"]:
        holder = r.get("holder") or ""
        lines.append(f"  {_clean(r['lane'], 14):<14} {r.get('chip', ''):<13} {_clean(holder, 30)}")
        if r.get("lease_id"):
            fields.append((_clean(r["lane"], 40), f"{r.get('chip', '')}  {_clean(holder, 60)}"))
        state.append([r["lane"], holder, r.get("liveness") or "", r.get("lease_id") or ""])
    lines.append(f"  {t['lanes']} lanes · {t['advancing']} advancing · {t['spinning']} spinning · "
                 f"{t['stalled']} stalled · {t['free']} free")
    severity = "WARN" if t["stalled"] else "INFO"
    return Notification(severity, title, "\n".join(lines), tuple(fields), f"dos-top:{snap['workspace']}", "top",
                        _digest(state))


def build(ctx: Context, source: str, *, include_all: bool = False, top: int = 5) -> Notification:
    if source == "decisions":
        return decisions_note(ctx, include_all=include_all, top=top)
    if source == "top":
        return top_note(ctx)
    raise UsageError(f"notify what? one of {', '.join(SOURCES)}, got {source!r}")


def notifier_kwargs(ctx: Context, *, url: str | None = None, token: str | None = None, channel: str | None = None,
                    dry_run: bool = False, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every constructor argument a notifier may take: flags, then the environment, .env, ``[observe]``."""
    from dos.service.export import dotenv, setting

    env = os.environ if env is None else env
    dot = dotenv(ctx.root)
    obs = ctx.config.observe
    return {"url": setting(url, ("DOS_WEBHOOK_URL",), env, dot, obs.webhook_url),
            "webhook_token": setting(None, ("DOS_WEBHOOK_TOKEN",), env, dot, ""),
            "slack_token": setting(None, ("SLACK_BOT_TOKEN",), env, dot, ""), "flag_token": token or "",
            "channel": setting(channel, ("DOS_SLACK_CHANNEL",), env, dot, obs.slack_channel),
            "api_url": setting(None, ("DOS_SLACK_API_URL",), env, dot, ""), "dry_run": dry_run,
            "root": str(ctx.root)}


def load_notifier(name: str, kwargs: Mapping[str, Any]) -> Any:
    from dos import exporters, notifiers

    try:
        target = exporters.resolve(name, group=notifiers.GROUP, builtin=notifiers.BUILTIN, what="notifier")
    except KeyError:
        known = exporters.names(group=notifiers.GROUP, builtin=notifiers.BUILTIN)
        raise UsageError(f"unknown notifier {name!r}; known: {', '.join(known)}") from None
    kw = dict(kwargs)
    token = kw.pop("flag_token", "") or (kw.get("slack_token") if name == "slack" else kw.get("webhook_token"))
    kw["token"] = token or ""
    return exporters.build(target, kw, name=name, what="notifier")


@dataclass
class NotifyRun:
    """One ``dos notify``: the notification, what the notifier did, and why it was or was not sent."""

    note: Notification
    notifier: str
    result: NotifyResult
    dry_run: bool = False
    deduplicated: bool = False
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def token(self) -> str:
        if self.deduplicated:
            return "deduplicated"
        if self.result.delivered:
            return "sent"
        return "not_sent" if self.result.ok else "failed"

    def to_dict(self) -> dict[str, Any]:
        """The reference's ``{notification, result, notifier}``, plus ``ok``, ``deduplicated``, ``attempts``."""
        return {"notification": self.note.to_dict(), "result": self.result.to_dict(), "notifier": self.notifier,
                "ok": self.ok, "deduplicated": self.deduplicated, "attempts": self.attempts,
                "dry_run": self.dry_run, "outcome": self.token, "digest": self.note.digest}


def send_with_retries(notifier: Any, note: Notification, *, retries: int, backoff_s: float,
                      sleep: Callable[[float], None] = time.sleep) -> tuple[NotifyResult, int]:
    """SEND, again after BACKOFF_S, 2x, 4x ... while it fails retryably, at most RETRIES more times."""
    attempt = 0
    while True:
        attempt += 1
        try:
            result = notifier.send(note)
            if not isinstance(result, NotifyResult):
                result = NotifyResult(bool(getattr(result, "delivered", False)), str(getattr(result, "detail", "")),
                                      str(getattr(result, "ref", "")), bool(getattr(result, "delivered", False)))
        except Exception as exc:  # noqa: BLE001 - a plugin that raises is a failed send, reported
            result = NotifyResult(False, f"notifier '{getattr(notifier, 'name', '?')}' failed: "
                                         f"{type(exc).__name__}: {exc}", ok=False)
        if result.ok or not result.retryable or attempt > retries:
            if not result.ok and attempt > 1:
                result = NotifyResult(False, f"{result.detail} (gave up after {attempt} attempts)", result.ref,
                                      ok=False)
            return result, attempt
        delay = backoff_s * (2 ** (attempt - 1))
        if result.retry_after is not None:
            delay = max(delay, min(result.retry_after, MAX_RETRY_AFTER_S))
        sleep(delay)


def notify(ctx: Context, source: str, notifier: str = "null", *, url: str | None = None, token: str | None = None,
           channel: str | None = None, dry_run: bool = False, include_all: bool = False, top: int = 5,
           dedup_s: float | None = None, force: bool = False, retries: int | None = None,
           backoff_s: float | None = None, sleep: Callable[[float], None] = time.sleep,
           env: Mapping[str, str] | None = None) -> NotifyRun:
    """Build SOURCE's notification and send it through NOTIFIER (retrying, de-duplicating)."""
    from dos.store import journal as js

    obs = ctx.config.observe
    note = build(ctx, source, include_all=include_all, top=top)
    kwargs = notifier_kwargs(ctx, url=url, token=token, channel=channel, dry_run=dry_run, env=env)
    previous = _last_sent(ctx, note.key)
    if previous is not None and previous[2] == notifier and source == "top":
        kwargs["previous"] = previous[3]
    from dos import exporters

    try:
        sender = load_notifier(notifier, kwargs)
    except exporters.PluginError as exc:
        run = NotifyRun(note, notifier, NotifyResult(False, str(exc), ok=False), dry_run=dry_run)
        _journal(ctx, run)
        return run
    window_ms = int((obs.notify_dedup_s if dedup_s is None else dedup_s) * 1000)
    now = ctx.now_ms()
    if (not force and window_ms > 0 and notifier != "null" and previous is not None and previous[0] == note.digest
            and previous[2] == notifier and now - previous[1] < window_ms):
        age = max(0, now - previous[1]) // 1000
        what = "[dry-run] would not send" if dry_run else "not sent"
        run = NotifyRun(note, notifier, NotifyResult(False, (
            f"{what}: the same notification went out via {notifier} {age}s ago (de-dup window "
            f"{window_ms // 1000}s; --force sends anyway)"), previous[3]), dry_run=dry_run, deduplicated=True)
        if not dry_run:
            _journal(ctx, run)
        return run
    result, attempts = send_with_retries(sender, note, retries=obs.notify_retries if retries is None else retries,
                                         backoff_s=obs.notify_backoff_s if backoff_s is None else backoff_s,
                                         sleep=sleep)
    run = NotifyRun(note, notifier, result, dry_run=dry_run, attempts=attempts)
    if result.delivered and not dry_run:
        with ctx.store.engine.write() as tx:
            js.mark_sent(tx, note.key, note.digest, tx.now_ms(), notifier, result.ref)
    if not dry_run:
        _journal(ctx, run)
    return run


def _last_sent(ctx: Context, key: str) -> tuple[str, int, str, str] | None:
    from dos.store import journal as js

    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            return None
        return js.last_sent(tx, key)


def _journal(ctx: Context, run: NotifyRun) -> None:
    from dos.service.journal import Outcome, record

    if run.notifier == "null":
        return
    record(ctx, "notify", Outcome(run.token.upper(), run.result.detail),
           subject=run.note.key, detail={"notifier": run.notifier, "severity": run.note.severity,
                                         "attempts": run.attempts, "title": run.note.title})


def render(run: NotifyRun) -> str:
    """``▲ [WARN] 2 decisions need you``, the field lines, then what happened."""
    from dos.service.observe import printable

    lines = [printable(f"{run.note.glyph} [{run.note.severity}] {run.note.title}")]
    lines += [printable(f"    {label}: {value}") for label, value in run.note.fields]
    r = run.result
    if run.notifier == "null":
        lines.append("  → not sent (notifier=null; pass --notifier slack --channel NAME or --notifier webhook "
                     "--url URL to deliver)")
    elif run.deduplicated:
        lines.append(f"  → {r.detail}")
    else:
        lines.append(printable(f"  → {'sent' if r.delivered else 'NOT sent'} via {run.notifier}: {r.detail}"))
    return "\n".join(lines) + "\n"
