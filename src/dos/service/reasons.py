"""The refusal-reason registry of a workspace: the built-in reasons plus ``[reasons.*]``."""

from __future__ import annotations

from typing import Any

from dos.errors import ConfigError
from dos.service.context import Context


def registry(ctx: Context) -> dict[str, Any]:
    """token -> ReasonSpec for every reason this workspace knows."""
    from dos.kernel.reasons import build_registry

    try:
        return build_registry(ctx.config.reasons.custom)
    except ValueError as exc:
        raise ConfigError(f"{ctx.workspace.config_path}: {exc}") from None


def classify(ctx: Context, token: str) -> tuple[Any, Any]:
    """(the classification of TOKEN, its registered spec or None)."""
    from dos.kernel.reasons import classify_reason

    reg = registry(ctx)
    rules = ctx.config.reasons.morphology
    cls = classify_reason(token, reg, None if rules is None else tuple((r.substring, r.category) for r in rules))
    return cls, reg.get(cls.token)
