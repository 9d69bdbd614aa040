"""Admission predicates from installed plugins (entry-point group ``dos.predicates``).

Loaded lazily, sorted by entry-point name. A plugin that fails to load becomes a
predicate that always refuses and names the failure: a broken rule never admits and
never crashes the referee. A class is instantiated; a function is used as is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from dos.kernel.admission import Predicate
from dos.kernel.selfmodify import SELF_MODIFY_FILES

GROUP = "dos.predicates"


class BrokenPlugin:
    """Stands in for a plugin that could not be loaded: refuses every request."""

    def __init__(self, name: str, error: BaseException) -> None:
        self.name = name
        self.error = f"{type(error).__name__}: {error}"

    def __call__(self, request: object, tree: object, live: object) -> str:
        return (f"admission plugin '{self.name}' failed to load ({self.error}) — refusing "
                f"fail-closed; fix or uninstall the plugin.")


def discover(group: str = GROUP) -> tuple[Predicate, ...]:
    """Every predicate registered under GROUP, in entry-point name order."""
    from importlib.metadata import entry_points

    try:
        found = sorted(entry_points(group=group), key=lambda ep: ep.name)
    except Exception as exc:  # a corrupt distribution's metadata must not crash admission
        return (BrokenPlugin(group, exc),)
    loaded: list[Predicate] = []
    for ep in found:
        try:
            obj = ep.load()
            pred = obj() if isinstance(obj, type) else obj
            if not callable(pred):
                raise TypeError(f"{ep.value} is not callable")
            if not getattr(pred, "name", None):
                try:
                    pred.name = ep.name  # type: ignore[attr-defined]
                except (AttributeError, TypeError):
                    pass
        except Exception as exc:
            pred = BrokenPlugin(ep.name, exc)
        loaded.append(pred)
    return tuple(loaded)


def names(predicates: Sequence[Predicate]) -> list[str]:
    """Display names, for ``dos doctor``."""
    from dos.kernel.admission import predicate_name

    return [predicate_name(p) for p in predicates]


def protected_files(root: Path, candidates: Sequence[str] = SELF_MODIFY_FILES) -> tuple[str, ...]:
    """The self-modify candidates that exist under ROOT (a foreign repository protects none)."""
    return tuple(rel for rel in candidates if (root / rel).exists())
