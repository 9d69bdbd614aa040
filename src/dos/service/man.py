"""``dos man`` pages over a workspace's live registries: its reasons (built-in plus ``[reasons.*]``) and lanes."""

from __future__ import annotations

from typing import Any, Sequence

from dos.service.context import Context


def lanes(ctx: Context) -> list[Any]:
    """Every declared lane, concurrent first, with its tree and the aliases that name it."""
    from dos.kernel.manpage import LaneInfo
    from dos.service.context import taxonomy

    cfg = ctx.config.lanes
    tax = taxonomy(ctx.config)  # from config alone: a man page opens no store
    out = []
    for name in cfg.declared:
        kind = "exclusive" if tax.is_exclusive(name) else "concurrent"
        aliases = tuple(sorted(a for a, target in cfg.aliases.items() if target.casefold() == name.casefold()))
        out.append(LaneInfo(name, kind, tax.tree_for(name), aliases))
    return out


def page(ctx: Context, words: Sequence[str]) -> Any:
    """The page WORDS name (see ``dos.kernel.manpage.page``), or None when there is none."""
    from dos.kernel.manpage import page as render
    from dos.service.reasons import registry

    return render(words, registry(ctx), lanes(ctx))


def unknown_message(words: Sequence[str]) -> str:
    """The one line for a page that does not exist."""
    words = [w for w in words if w.strip()]
    if len(words) >= 2 and words[0].lower() in ("wedge", "reasons", "reason"):
        return (f"UNCLASSIFIED: {words[1]!r} is not in this workspace's reason registry; use a listed token "
                f"('dos man wedge') or declare it under [reasons.{words[1].upper()}] in dos.toml")
    if len(words) >= 2 and words[0].lower() in ("lane", "lanes"):
        return (f"{words[1]!r} is not a lane of this workspace; 'dos man lane' lists them, and [lanes] in "
                f"dos.toml declares them")
    return f"no page {' '.join(words)!r}; 'dos man' lists the sections"


def broken_references(ctx: Context, verbs: Sequence[str], texts: Sequence[tuple[str, str]] = ()) -> list[str]:
    """Where a reason of this workspace (or one of TEXTS) points at a page or verb that does not exist.

    VERBS: the verb names the caller's surface offers (the CLI passes its verb table).
    """
    from dos.kernel.manpage import broken_references as check
    from dos.kernel.manpage import reason_texts
    from dos.service.reasons import registry

    reg = registry(ctx)
    return check([*reason_texts(reg), *texts], reg, lanes(ctx), verbs)
