"""Exporters: where ``dos export`` ships verdict-journal events (entry-point group ``dos.exporters``).

An exporter has a ``name``, a ``target`` (what it ships to, part of its cursor's key) and
``export(events) -> ExportResult``; ``check()`` (optional) says why a real send would fail,
so a dry run can fail like one. Events are records in the reference's verdict-journal shape
(``seq``, ``ts``, ``syscall``, ``verdict``, ``run_id``, ``session``, ``lane``, ``subject``,
``detail``, ``source``, ``hash``). Built-ins are resolved first and cannot be shadowed; a
plugin that fails to load is reported by name, never a traceback. Transport only: the
service resolves every setting and persists the cursor.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

GROUP = "dos.exporters"
BUILTIN = {
    "file": "dos.exporters.file:FileExporter",
    "null": "dos.exporters.null:NullExporter",
    "otlp": "dos.exporters.otlp:OtlpExporter",
    "prometheus": "dos.exporters.prometheus:PrometheusExporter",
    "statsd": "dos.exporters.statsd:StatsdExporter",
}
GREEN = frozenset({
    "SHIPPED", "ACQUIRE", "ALLOW", "ADVANCING", "RELEASED", "BEATEN", "ADOPTED", "SCAVENGED", "INTACT", "CLEAN",
    "PASS", "OFFERABLE", "EFFICIENT", "PRODUCTIVE", "CLOSED", "ACCEPT", "KEEP", "DISCRIMINATES", "BOUNDED",
    "VERIFIED", "COMPLETE", "RESUMABLE", "CONTEXT", "LIVE", "CLEAR", "NEVER_ATTEMPTED", "IN_SCOPE", "CONFIRMED",
    "VALID", "ANSWER_SHAPED", "REWIND", "NO_REWIND", "EMPTY", "HEALTHY", "FULL", "AUTO_ACQUIRE",
})
RED = frozenset({
    "REFUSE", "COLLISION", "UNKNOWN_REGION", "BROKEN", "STALLED", "WASTEFUL", "OPEN", "BLOCK", "DEAD",
    "REJECT_POISON", "UNVERIFIED_CLAIM", "STALE_FENCE", "SELF_MODIFY", "STATE_DIR", "OUTSIDE_WORKSPACE",
    "STORE_UNREADABLE", "SPOOL_CORRUPT", "REFUTED", "INVALID", "GRANTS_ARBITRARY_EXEC", "DIVERGED",
    "UNRESUMABLE", "SCOPE_CREEP", "WRONG_TARGET", "REGRESSIVE", "HOOK_ERROR", "AUTO_ACQUIRE_REFUSED",
})
SEVERITY_NUMBER = {"INFO": 9, "WARN": 13, "ERROR": 17}


@dataclass(frozen=True)
class ExportResult:
    """What one ``export`` call did: events shipped, one line for a person, the last seq it covered.

    ``ok`` is False when the transport failed (or, in a dry run, when a real send would fail).
    """

    exported: int
    detail: str
    cursor: str = ""
    ok: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"exported": self.exported, "detail": self.detail, "cursor": self.cursor}


class PluginError(Exception):
    """An exporter or notifier that could not be found, loaded or built; the message names it."""


def severity(event: Mapping[str, Any]) -> str:
    """INFO, WARN or ERROR for an event: the hook's action when it has one, else its token."""
    detail = event.get("detail") or {}
    action = detail.get("action") if isinstance(detail, Mapping) else None
    if action in ("deny", "block"):
        return "ERROR"
    if action == "warn":
        return "WARN"
    token = str(event.get("verdict", ""))
    if action == "allow" or token in GREEN or token.lower() in ("acquire", "shipped", "clean", "believe"):
        return "INFO"
    return "ERROR" if token in RED or token.lower() == "refuse" else "WARN"


def last_seq(events: Sequence[Mapping[str, Any]]) -> str:
    return str(events[-1]["seq"]) if events else ""


def _load_target(spec: str) -> Any:
    import importlib

    module, _, attr = spec.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _entry_points(group: str) -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=group)}


def names(group: str = GROUP, builtin: Mapping[str, str] = BUILTIN) -> list[str]:
    """Every exporter name: the built-ins and each installed plugin (whether or not it loads)."""
    try:
        found = set(_entry_points(group))
    except Exception:  # noqa: BLE001 - broken metadata: the built-ins still work
        found = set()
    return sorted(set(builtin) | found)


def resolve(name: str, *, group: str = GROUP, builtin: Mapping[str, str] = BUILTIN, what: str = "exporter") -> Any:
    """The class (or instance) registered as NAME; built-ins first. PluginError names what went wrong.

    An unknown name raises KeyError (the caller turns it into a usage error listing the known ones).
    """
    if name in builtin:
        return _load_target(builtin[name])
    try:
        eps = _entry_points(group)
    except Exception as exc:  # noqa: BLE001
        raise PluginError(f"{what} plugins cannot be listed ({type(exc).__name__}: {exc})") from None
    if name not in eps:
        raise KeyError(name)
    try:
        return eps[name].load()
    except Exception as exc:  # noqa: BLE001 - a broken plugin is reported, never a traceback
        raise PluginError(f"{what} plugin '{name}' ({eps[name].value}) failed to load: "
                          f"{type(exc).__name__}: {exc}") from None


def build(target: Any, kwargs: Mapping[str, Any], *, name: str, what: str = "exporter") -> Any:
    """An instance of TARGET (a class is called with the KWARGS its constructor accepts; an instance is used)."""
    if not isinstance(target, type) and not callable(target):
        obj = target
    else:
        accepted = _accepted(target)
        try:
            obj = target(**{k: v for k, v in kwargs.items() if accepted is None or k in accepted})
        except Exception as exc:  # noqa: BLE001
            raise PluginError(f"{what} '{name}' could not be set up: {type(exc).__name__}: {exc}") from None
    for attr in ("export",) if what == "exporter" else ("send",):
        if not callable(getattr(obj, attr, None)):
            raise PluginError(f"{what} '{name}' has no {attr}() method")
    return obj


def _accepted(target: Callable[..., Any]) -> set[str] | None:
    """The keyword names TARGET accepts (None: it takes **kwargs)."""
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return set()
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    return {n for n, p in sig.parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}


def sanitize_tag(text: Any, n: int = 64) -> str:
    """A value safe inside a metric name, tag or label: no separators, no control characters."""
    out = "".join(c if c.isalnum() or c in "-_./" else "_" for c in str(text))
    return out[:n] or "_"
