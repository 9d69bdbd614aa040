"""The plan board: every phase the plan documents declare, the doc's claim beside verify's verdict.

``board(ctx)`` is what ``dos plan`` shows and ``--json`` prints, in the reference's snapshot
shape (``phases``, ``activity``, ``summary``) with DOS's own keys beside it. It reads and
changes nothing.
"""

from __future__ import annotations

from typing import Any

from dos.service.context import Context

ACTIVITY = 10  # recent commits shown beside the board


def divergence(claimed: str, shipped: bool) -> str:
    """The chip: what the doc claims against what git says."""
    if claimed == "shipped":
        return "✓shipped" if shipped else "⚠over-claim"
    if shipped:
        return "✓under-claim"
    return "·pending" if claimed == "open" else "—"


def activity(ctx: Context, n: int = ACTIVITY) -> list[dict[str, str]]:
    """The last N commits as ``{sha, subject}`` (none outside a repository)."""
    from dos import git
    from dos.errors import GitError

    try:
        if git.head_sha(ctx.root) is None:
            return []
        return [{"sha": sha, "subject": subject}
                for sha, subject, _ in git.iter_headed(ctx.root, ["log", "-n", str(n), "--format=%x1e%h%x00%s"])]
    except GitError:
        return []


def board(ctx: Context) -> dict[str, Any]:
    """The plan board snapshot."""
    from datetime import datetime, timezone

    from dos.kernel.plans import markdown_rows
    from dos.service.artifacts import plan_docs
    from dos.service.truth import verify

    phases = []
    for path, text in plan_docs(ctx.root, ctx.config):
        for row in markdown_rows(text, path):
            v = verify(ctx, row.plan, row.phase)
            chip = divergence(row.claimed_status, v.shipped)
            phases.append({**row.to_dict(), "oracle_shipped": v.shipped, "oracle_source": v.source,
                           "oracle_sha": v.sha, "divergence": chip, "is_divergent": chip == "⚠over-claim",
                           "lane_chip": "", "decision_ref": None,
                           "verified": v.shipped, "source": v.source, "sha": v.sha,
                           "over_claimed": chip == "⚠over-claim"})
    summary = {"phases": len(phases), "shipped": sum(p["oracle_shipped"] for p in phases),
               "divergent": sum(p["is_divergent"] for p in phases),
               "over_claims": sum(p["over_claimed"] for p in phases),
               "in_flight": 0, "gated": sum(p["claimed_status"] == "blocked" for p in phases)}
    return {"workspace": str(ctx.root), "now": datetime.fromtimestamp(ctx.now_ms() / 1000, timezone.utc).isoformat(),
            "plan_source": "markdown", "initialized": ctx.config.source is not None, "phases": phases,
            "activity": activity(ctx), "summary": summary, "plans_glob": ctx.config.paths.plans_glob}


# --------------------------------------------------------------------------- the picker's small verdicts


def enumerate_doc(ctx: Context, text: str, series: str, shipped: list[str], *, subject: str = "") -> Any:
    """``dos enumerate``: the units TEXT (a plan doc) declares for SERIES, journaled."""
    from dos.kernel.enumerate import enumerate_units
    from dos.service.journal import record

    opts = ctx.config.enumerate
    result = enumerate_units(text, series, shipped, heading_levels=opts.heading_levels,
                             scan_tables=opts.scan_tables, bare_phase_fallback=opts.bare_phase_fallback)
    record(ctx, "enumerate", result, subject=subject or series)
    return result


def pickable(ctx: Context, unit: str, state: dict[str, Any], now_ms: int) -> Any:
    """``dos pickable``: may UNIT be offered to an agent now? Journaled."""
    from dos.kernel.picking import pickable as decide
    from dos.service.journal import record

    verdict = decide(unit, state, now_ms)
    record(ctx, "pickable", verdict, subject=unit)
    return verdict


def cooldown(ctx: Context, unit: str, attempts: list[dict[str, Any]] | None, now_ms: int) -> Any:
    """``dos cooldown``: was UNIT attempted too recently? ATTEMPTS None: the recorded pick attempts."""
    from dos.kernel.picking import cooldown as decide
    from dos.service.journal import record
    from dos.service.picker import attempts as recorded

    pol = ctx.config.cooldown
    verdict = decide(unit, recorded(ctx) if attempts is None else attempts, now_ms, window_ms=pol.window,
                     error_window_ms=pol.error_window)
    record(ctx, "cooldown", verdict, subject=unit)
    return verdict


def reconcile(ctx: Context, unit: str, claimed_done: bool, oracle_shipped: bool) -> Any:
    """``dos reconcile``: an agent's claimed "done" against the oracle, journaled."""
    from dos.kernel.picking import reconcile as decide
    from dos.service.journal import record

    verdict = decide(unit, claimed_done, oracle_shipped)
    record(ctx, "reconcile", verdict, subject=unit)
    return verdict
