"""The reason registry over MCP: list the refusal reasons, and classify one an agent wants to give.

Built-in reasons plus the workspace's ``[reasons.*]``; unknown tokens are classified by
``[[reasons.morphology]]`` (or the built-in rules) and otherwise count as UNCLASSIFIED.
"""

from __future__ import annotations

from typing import Any

from dos.mcp.args import Param
from dos.mcp.registry import tool


def _registry(call):
    from dos.errors import ConfigError
    from dos.kernel.reasons import build_registry

    try:
        return build_registry(call.config.reasons.custom)
    except ValueError as exc:
        raise ConfigError(f"{call.workspace.config_path}: {exc}") from None


def _morphology(call):
    rules = call.config.reasons.morphology
    return None if rules is None else tuple((r.substring, r.category) for r in rules)


@tool("dos_refuse_reasons",
      "The refusal reasons this workspace knows (built-in plus [reasons.*]): token, category, summary, fix. "
      "Refuse work with one of these tokens so the operator can act on it.")
def refuse_reasons(call) -> dict[str, Any]:
    reg = _registry(call)
    rows = [spec.to_dict() for _token, spec in sorted(reg.items())]
    return {"workspace": str(call.workspace.root), "count": len(rows), "reasons": rows,
            "interpretation": f"{len(rows)} known reason(s); when you refuse or stop, name one of these "
                              f"tokens (check an unlisted one with dos_check_reason)."}


@tool("dos_check_reason",
      "Classify a refusal reason token: its category (TRUE_DRAIN, OPERATOR_GATE, STALE_CLAIM, MISROUTE or "
      "UNCLASSIFIED), whether it is known, and its fix.",
      Param("reason_class", "string", "the reason token, any case, e.g. \"LANE_DRAINED\"", required=True))
def check_reason(call) -> dict[str, Any]:
    from dos.kernel.reasons import classify_reason

    reg = _registry(call)
    cls = classify_reason(call.args["reason_class"], reg, _morphology(call))
    spec = reg.get(cls.token)
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
