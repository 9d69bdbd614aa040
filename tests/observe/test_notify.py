"""`dos notify` against a real webhook receiver and a fake Slack API on 127.0.0.1: retries with
backoff, a de-dup window per key, Slack's edit in place, and dry runs that fail like the send."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dos.service import leases, notify
from dos.testing import FakeClock
from tests.observe.kit import context, workspace
from tests.observe.receivers import FakeSlack, Webhook


def _refusal(root: Path, clock=None, who: str = "agentC") -> None:
    with context(root, clock) as ctx:
        if not any(x.lane == "docs" for x in ctx.store.live_leases()):
            assert leases.acquire(ctx, leases.request("docs"), holder="agentB", session="sess-B").granted
        assert not leases.acquire(ctx, leases.request("docs"), holder=who, session=f"sess-{who}").granted


@pytest.fixture
def hook():
    receiver = Webhook()
    yield receiver
    receiver.close()


def test_webhook_delivers_the_decision_queue(repo, run_dos, hook) -> None:
    root = workspace(repo)
    _refusal(root)
    out = run_dos("notify", "decisions", "--all", "--notifier", "webhook", "--url", hook.url, cwd=root,
                  env={"DOS_WEBHOOK_TOKEN": "s3cret"})
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "▲ [WARN] 1 decision needs you"
    assert lines[1].startswith("    ARBITER_REFUSE @ docs: ")
    assert lines[-1].startswith(f"  → sent via webhook: POSTed to {hook.url} (HTTP 200)")
    body, = hook.delivered()
    assert body["severity"] == "WARN" and body["key"] == "dos-decisions" and body["source"] == "decisions"
    assert body["fields"][0][0] == "ARBITER_REFUSE @ docs"
    assert body["text"].startswith("▲ [WARN] 1 decision needs you\n# operator decisions")
    assert hook.requests[0]["headers"]["Authorization"] == "Bearer s3cret"
    report = json.loads(run_dos("notify", "decisions", "--json", cwd=root).stdout)
    assert set(report) >= {"notification", "result", "notifier"} and report["notifier"] == "null"
    assert report["result"] == {"delivered": False, "detail": "null sink (no transport configured)", "ref": ""}


def test_transient_failures_are_retried_with_backoff(repo) -> None:
    root = workspace(repo)
    _refusal(root)
    hook = Webhook(statuses=(503, 502))
    slept: list[float] = []
    try:
        with context(root) as ctx:
            run = notify.notify(ctx, "decisions", "webhook", url=hook.url, retries=3, backoff_s=0.5,
                                sleep=slept.append)
    finally:
        hook.close()
    assert run.result.delivered and run.attempts == 3 and slept == [0.5, 1.0]
    assert [r["status"] for r in hook.requests] == [503, 502, 200]


def test_retries_give_up_and_a_client_error_is_not_retried(repo, run_dos) -> None:
    root = workspace(repo)
    _refusal(root)
    hook = Webhook(statuses=(503,) * 5 + (404,), retry_after="7")
    slept: list[float] = []
    try:
        with context(root) as ctx:
            run = notify.notify(ctx, "decisions", "webhook", url=hook.url, retries=2, backoff_s=0.1,
                                sleep=slept.append)
            assert not run.ok and run.attempts == 3 and "gave up after 3 attempts" in run.result.detail
            assert slept == [0.1, 0.2]
        out = run_dos("notify", "decisions", "--notifier", "webhook", "--url", hook.url, "--retries", "1", cwd=root)
        assert out.returncode == 1 and "NOT sent via webhook" in out.stdout
        out = run_dos("notify", "decisions", "--notifier", "webhook", "--url", hook.url, cwd=root)
        assert out.returncode == 1 and "HTTP 404" in out.stdout
    finally:
        hook.close()
    assert [r["status"] for r in hook.requests] == [503] * 5 + [404]  # the 404 was asked once


def test_retry_after_is_honoured_up_to_a_cap() -> None:
    from dos.notifiers import NotifyResult

    class Busy:
        name = "busy"
        calls = 0

        def send(self, note):
            Busy.calls += 1
            if Busy.calls == 1:
                return NotifyResult(False, "429", ok=False, retryable=True, retry_after=5.0)
            if Busy.calls == 2:
                return NotifyResult(False, "429", ok=False, retryable=True, retry_after=3600.0)
            return NotifyResult(True, "ok")

    slept: list[float] = []
    result, attempts = notify.send_with_retries(Busy(), None, retries=3, backoff_s=1.0, sleep=slept.append)
    assert result.delivered and attempts == 3 and slept == [5.0, notify.MAX_RETRY_AFTER_S]


def test_one_stalled_queue_pages_once_within_the_window(repo) -> None:
    root = workspace(repo)
    clock = FakeClock(1_800_000_000_000)
    _refusal(root, clock)
    hook = Webhook()
    try:
        with context(root, clock) as ctx:
            send = lambda **kw: notify.notify(ctx, "decisions", "webhook", url=hook.url, dedup_s=600,  # noqa: E731
                                              include_all=True, **kw)
            assert send().token == "sent"
            clock.advance(60)
            again = send()
            assert again.token == "deduplicated" and again.ok and "went out via webhook 60s ago" in again.result.detail
            assert send(dry_run=True).deduplicated
            assert len(hook.requests) == 1
            assert send(force=True).token == "sent"
        _refusal(root, clock, who="agentD")  # a new decision: new content under the same key
        with context(root, clock) as ctx:
            again = notify.notify(ctx, "decisions", "webhook", url=hook.url, dedup_s=600, include_all=True)
            assert again.token == "sent" and again.note.title == "2 decisions need you"
            clock.advance(601)
            assert notify.notify(ctx, "decisions", "webhook", url=hook.url, dedup_s=600, include_all=True).token == "sent"
            assert notify.notify(ctx, "decisions", "webhook", url=hook.url, dedup_s=0, include_all=True).token == "sent"
    finally:
        hook.close()
    assert len(hook.requests) == 5


def test_a_dry_run_exits_like_the_real_send(repo, run_dos, hook) -> None:
    root = workspace(repo)
    for extra in ((), ("--dry-run",)):
        out = run_dos("notify", "decisions", "--notifier", "webhook", *extra, cwd=root)
        assert out.returncode == 1, extra
        assert "no webhook URL" in out.stdout
        out = run_dos("notify", "top", "--notifier", "slack", "--token", "x", *extra, cwd=root)
        assert out.returncode == 1 and "no channel" in out.stdout
    out = run_dos("notify", "decisions", "--notifier", "webhook", "--url", hook.url, "--dry-run", cwd=root)
    assert out.returncode == 0 and f"[dry-run] would POST to {hook.url}" in out.stdout and not hook.requests
    assert run_dos("notify", "top", "--notifier", "pager", cwd=root).returncode == 2


def test_slack_posts_then_edits_the_fleet_message_in_place(repo, run_dos) -> None:
    root = workspace(repo)
    slack = FakeSlack(errors=("ratelimited",))
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "DOS_SLACK_API_URL": slack.url}
    try:
        first = run_dos("notify", "top", "--notifier", "slack", "--channel", "C0DOS", "--json", cwd=root, env=env)
        got = json.loads(first.stdout)
        assert first.returncode == 0, first.stdout
        assert got["result"]["delivered"] and got["attempts"] == 2  # ratelimited once, then posted
        with context(root) as ctx:
            assert leases.acquire(ctx, leases.request("src"), holder="agentA", session="sess-A").granted
        second = run_dos("notify", "top", "--notifier", "slack", "--channel", "C0DOS", cwd=root, env=env)
        assert second.returncode == 0 and "updated in C0DOS" in second.stdout
        paths = [c["path"] for c in slack.calls]
        assert paths == ["/api/chat.postMessage", "/api/chat.postMessage", "/api/chat.update"]
        assert len(slack.messages) == 1
        text = next(iter(slack.messages.values()))["text"]
        assert "1 advancing" in text and "agentA" in text
        bad = run_dos("notify", "decisions", "--notifier", "slack", "--channel", "C0NOPE", cwd=root, env=env)
        assert bad.returncode == 1 and "channel_not_found" in bad.stdout
        wrong = run_dos("notify", "decisions", "--notifier", "slack", "--channel", "C0DOS", cwd=root,
                        env={**env, "SLACK_BOT_TOKEN": "xoxb-stolen"})
        assert wrong.returncode == 1 and "invalid_auth" in wrong.stdout
        assert all(c["auth"].startswith("Bearer ") for c in slack.calls)
    finally:
        slack.close()


def test_notifications_are_journaled(repo, run_dos, hook) -> None:
    root = workspace(repo)
    run_dos("notify", "decisions", "--notifier", "webhook", "--url", hook.url, cwd=root)
    run_dos("notify", "decisions", "--notifier", "webhook", "--url", hook.url, cwd=root)
    report = json.loads(run_dos("observe", "--json", "--syscall", "notify", cwd=root).stdout)
    assert report["rollup"]["counts"] == {"notify": {"DEDUPLICATED": 1, "SENT": 1}}


def test_a_stuck_lease_pages_once_while_it_stays_stuck(repo) -> None:
    """The queue's ages change every minute; the page goes out once, not every time cron runs."""
    root = workspace(repo)
    clock = FakeClock(1_800_000_000_000)
    hook = Webhook()
    try:
        with context(root, clock) as ctx:
            assert leases.acquire(ctx, leases.request("src"), holder="w1", session="s1", ttl_ms=600_000).granted
            clock.advance(900)
            tokens = []
            for _ in range(5):  # cron every five minutes, for 25 minutes
                tokens.append(notify.notify(ctx, "decisions", "webhook", url=hook.url, dedup_s=3600).token)
                clock.advance(300)
    finally:
        hook.close()
    assert tokens == ["sent"] + ["deduplicated"] * 4
    body, = hook.delivered()
    assert body["title"] == "1 decision needs you" and body["fields"][0][0] == "EXPIRED @ src"
