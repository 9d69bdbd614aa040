"""The reason registry over MCP: list the refusal reasons, and classify one an agent wants to give.

Built-in reasons plus the workspace's ``[reasons.*]``; unknown tokens are classified by
``[[reasons.morphology]]`` (or the built-in rules) and otherwise count as UNCLASSIFIED.
"""

from __future__ import annotations

from typing import Any

from dos.mcp.args import Param
from dos.mcp.spec import tool


@tool("dos_refuse_reasons",
      "The refusal reasons this workspace knows (built-in plus [reasons.*]): token, category, summary, fix. "
      "Refuse work with one of these tokens so the operator can act on it.")
def refuse_reasons(call) -> dict[str, Any]:
    from dos.service.reasons import registry

    with call.service() as ctx:
        reg = registry(ctx)
    rows = [spec.to_dict() for _token, spec in sorted(reg.items())]
    return {"workspace": str(call.workspace.root), "count": len(rows), "reasons": rows,
            "interpretation": f"{len(rows)} known reason(s); when you refuse or stop, name one of these "
                              f"tokens (check an unlisted one with dos_check_reason)."}


@tool("dos_check_reason",
      "Classify a refusal reason token: its category (TRUE_DRAIN, OPERATOR_GATE, STALE_CLAIM, MISROUTE or "
      "UNCLASSIFIED), whether it is known, and its fix.",
      Param("reason_class", "string", "the reason token, any case, e.g. \"LANE_DRAINED\"", required=True))
def check_reason(call) -> dict[str, Any]:
    from dos.service.reasons import classify

    with call.service() as ctx:
        cls, spec = classify(ctx, call.args["reason_class"])
    out: dict[str, Any] = {"reason_class": cls.token, "known": spec is not None, "category": cls.category,
                           "how": cls.how, "refusal": cls.refusal}
    if spec is not None:
        out.update(summary=spec.summary, fix=spec.fix, see_also=spec.to_dict()["see_also"])
        summary = f" - {spec.summary}" if spec.summary else ""
        fix = f"; fix: {spec.fix}" if spec.fix else ""
        out["interpretation"] = f"KNOWN: {cls.token} is {cls.category}{summary}{fix}."
    elif cls.category != "UNCLASSIFIED":
        out["interpretation"] = (f"UNREGISTERED: {cls.token} reads as {cls.category} ({cls.how}); prefer a "
                                 f"registered token from dos_refuse_reasons, or add [reasons.{cls.token}].")
    else:
        out["interpretation"] = (f"UNCLASSIFIED: {cls.token} matches no registered reason or rule; an "
                                 f"operator cannot route it. Use a token from dos_refuse_reasons.")
    return out
