"""``dos.toml`` read into the typed, frozen config of ``dos.config.schema``.

Strict by design: an unknown table or key, a value of the wrong type, a non-finite
number, a NUL byte or a value out of its bounds raises ``ConfigError`` naming the file,
the table and the key (with a suggestion when one is close). A table is never dropped.
"""

from __future__ import annotations

import collections.abc
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal

from dos.config import schema
from dos.kernel import table as tables
from dos.config.schema import Config, LanesConfig, ReasonsConfig
from dos.errors import ConfigError

CONFIG_NAME = "dos.toml"


def _suggest(name: str, known: typing.Iterable[str]) -> str:
    import difflib  # only for an unknown key's "did you mean"

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _tname(raw: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(raw), type(raw).__name__)


def toml_key(f: tables.Field) -> str:
    """The key a field is spelled as in dos.toml (``from_`` is ``from``)."""
    return f.metadata.get("key", f.name)


class Loader:
    """Validates raw TOML values against the schema's annotations, naming file/table/key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, msg: str) -> typing.NoReturn:
        raise ConfigError(f"{self.path.name}: {where} {msg}")

    def table(self, cls: type, raw: Any, where: str) -> Any:
        if not isinstance(raw, dict):
            self.fail(where, f"must be a table, got {_tname(raw)}")
        hints = typing.get_type_hints(cls)
        fields = {toml_key(f): f for f in tables.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            f = fields.get(key)
            if f is None:
                self.fail(where, f"unknown key '{key}'{_suggest(key, fields)}")
            label = f"{where} key '{key}'"
            values[f.name] = checked = self.value(hints[f.name], value, label)
            check = f.metadata.get("check")
            problem = check(checked) if check is not None and checked is not None else ""
            if problem:
                self.fail(label, f"{problem}, got {value!r}")
        missing = [toml_key(f) for f in fields.values() if f.name not in values
                   and f.default is tables.MISSING and f.default_factory is tables.MISSING]
        if missing:
            self.fail(where, f"missing required key '{missing[0]}'")
        return cls(**values)

    def value(self, tp: Any, raw: Any, where: str) -> Any:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if tp is Any:
            return self.plain(raw, where)
        if tp is bool:
            if not isinstance(raw, bool):
                self.fail(where, f"must be true or false, got {_tname(raw)}")
            return raw
        if tp is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.fail(where, f"must be an integer, got {_tname(raw)}")
            if abs(raw) > 2**63 - 1:
                self.fail(where, f"is out of range, got {raw}")
            return raw
        if tp is float:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                self.fail(where, f"must be a number, got {_tname(raw)}")
            if not math.isfinite(raw):
                self.fail(where, f"must be a finite number, got {raw!r}")
            return float(raw)
        if tp is str:
            if not isinstance(raw, str):
                self.fail(where, f"must be a string, got {_tname(raw)}")
            if "\0" in raw:
                self.fail(where, "must not contain a NUL byte")
            return raw
        if origin is Literal:
            if raw not in args:
                self.fail(where, f"must be one of {', '.join(repr(a) for a in args)}, got {raw!r}")
            return raw
        if origin in (typing.Union, types.UnionType):
            if raw is None and type(None) in args:
                return None
            for option in args:
                if option is not type(None) and self._fits(option, raw):
                    return self.value(option, raw, where)
            names = " or ".join(getattr(a, "__name__", str(a)) for a in args if a is not type(None))
            self.fail(where, f"must be {names}, got {_tname(raw)}")
        if origin is tuple:
            item = args[0]
            if isinstance(raw, str) and item is str:
                raw = [raw]  # a lone string for a list of strings, as the reference allows
            if not isinstance(raw, list):
                self.fail(where, f"must be a list, got {_tname(raw)}")
            return tuple(self.value(item, v, f"{where}[{i}]") for i, v in enumerate(raw))
        if origin in (collections.abc.Mapping, dict):
            _, vtype = args
            if not isinstance(raw, dict):
                self.fail(where, f"must be a table, got {_tname(raw)}")
            for k in raw:
                if "\0" in k:
                    self.fail(where, "has a key with a NUL byte")
            return types.MappingProxyType({k: self.value(vtype, v, f"{where}.{k}") for k, v in raw.items()})
        if tables.is_table(tp):
            return self.table(tp, raw, where)
        raise AssertionError(f"config schema uses an unsupported type {tp!r}")  # pragma: no cover

    @staticmethod
    def _fits(option: Any, raw: Any) -> bool:
        if option is int:
            return isinstance(raw, int) and not isinstance(raw, bool)
        if option is float:
            return isinstance(raw, (int, float)) and not isinstance(raw, bool)
        return isinstance(raw, option) if isinstance(option, type) else True

    def plain(self, raw: Any, where: str) -> Any:
        """A free-form value (``[ci]``): checked for NUL bytes and non-finite numbers only."""
        if isinstance(raw, str) and "\0" in raw:
            self.fail(where, "must not contain a NUL byte")
        if isinstance(raw, float) and not math.isfinite(raw):
            self.fail(where, f"must be a finite number, got {raw!r}")
        if isinstance(raw, list):
            return tuple(self.plain(v, f"{where}[{i}]") for i, v in enumerate(raw))
        if isinstance(raw, dict):
            return types.MappingProxyType({k: self.plain(v, f"{where}.{k}") for k, v in raw.items()})
        return raw


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """dos.toml TEXT as plain values (PATH names it in messages)."""
    import tomllib

    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: invalid TOML: nested too deeply; flatten the tables") from None


def parse_config(text: str, path: Path, raw: dict[str, Any] | None = None) -> Config:
    """Parse dos.toml TEXT (read from PATH, used only in messages) into a Config (RAW: TEXT already parsed)."""
    raw = parse_toml(text, path) if raw is None else raw
    ld = Loader(path)
    parts: dict[str, Any] = {}
    known = tuple(schema.TABLES)
    for name, value in raw.items():
        if name in schema.TOP_LEVEL_KEYS:
            continue
        if name not in schema.TABLES:
            kind = "table" if isinstance(value, dict) else "key"
            hint = _suggest(name, known + schema.TOP_LEVEL_KEYS).strip() or f"(known tables: {', '.join(known)})"
            ld.fail(f"unknown table [{name}]" if kind == "table" else f"unknown key '{name}'", hint)
        cls, how = schema.TABLES[name]
        if name == "lanes":
            parts["lanes"] = _load_lanes(ld, value)
        elif name == "reasons":
            parts["reasons"] = _load_reasons(ld, value)
        elif how == "map":
            if not isinstance(value, dict):
                ld.fail(f"[{name}]", f"must be a table of [{name}.<TOKEN>] tables, got {_tname(value)}")
            parts[name] = types.MappingProxyType({k: ld.table(cls, v, f"[{name}.{k}]") for k, v in value.items()})
        elif how == "array":
            if not isinstance(value, list):
                ld.fail(f"[[{name}]]", "must be an array of tables")
            parts[name] = tuple(ld.table(cls, v, f"[[{name}]] entry {i + 1}") for i, v in enumerate(value))
        elif how == "free":
            if not isinstance(value, dict):
                ld.fail(f"[{name}]", f"must be a table, got {_tname(value)}")
            parts[name] = ld.plain(value, f"[{name}]")
        else:
            parts[name] = ld.table(cls, value, f"[{name}]")
    _cross_checks(ld, parts, raw)
    return Config(**parts, source=path)


def _cross_checks(ld: Loader, parts: dict[str, Any], raw: dict[str, Any]) -> None:
    """Rules across keys: one of two spellings, lifecycle classes, lane names that differ only by case."""
    for table, a, b in (("supervise", "spin_halt_after_ms", "spin_halt_after_minutes"),
                        ("cooldown", "window_ms", "window_hours"),
                        ("cooldown", "error_window_ms", "error_window_minutes")):
        given = raw.get(table) if isinstance(raw.get(table), dict) else {}
        if a in given and b in given:
            ld.fail(f"[{table}]", f"sets both '{a}' and '{b}'; keep one")
    life = parts.get("lifecycle")
    if life is not None:
        classes = set(life.classes)
        for i, t in enumerate(life.transitions):
            for end in (t.from_, t.to):
                if end not in classes:
                    ld.fail(f"[[lifecycle.transitions]] entry {i + 1}", f"names class '{end}', which "
                            f"[lifecycle] classes does not declare ({', '.join(life.classes)})")
    lanes = parts.get("lanes")
    if lanes is not None:
        seen: dict[str, str] = {}
        for name in (*lanes.concurrent, *lanes.exclusive, *lanes.trees):
            folded = name.casefold()
            if folded in seen and seen[folded] != name:
                ld.fail("[lanes]", f"lanes '{seen[folded]}' and '{name}' differ only by case; lane names are "
                                   "matched without case, so rename one")
            seen.setdefault(folded, name)


def _load_lanes(ld: Loader, raw: Any) -> LanesConfig:
    if not isinstance(raw, dict):
        ld.fail("[lanes]", f"must be a table, got {_tname(raw)}")
    raw = dict(raw)
    # Declaring [lanes] replaces the built-in lanes: unnamed lists start empty.
    raw.setdefault("concurrent", [])
    raw.setdefault("exclusive", [])
    raw.setdefault("trees", {})
    lanes = ld.table(LanesConfig, raw, "[lanes]")
    if "autopick" not in raw:
        lanes = tables.replace(lanes, autopick=lanes.concurrent)
    return lanes


def _load_reasons(ld: Loader, raw: Any) -> ReasonsConfig:
    if not isinstance(raw, dict):
        ld.fail("[reasons]", f"must be a table, got {_tname(raw)}")
    custom: dict[str, Any] = {}
    morphology = None
    for token, value in raw.items():
        if token == "morphology":
            if not isinstance(value, list):
                ld.fail("[[reasons.morphology]]", "must be an array of tables")
            morphology = tuple(ld.table(schema.MorphologyRule, v, f"[[reasons.morphology]] entry {i + 1}")
                               for i, v in enumerate(value))
        else:
            custom[token] = ld.table(schema.ReasonConfig, value, f"[reasons.{token}]")
    return ReasonsConfig(custom=types.MappingProxyType(custom), morphology=morphology)


def load_config(root: Path) -> Config:
    """Read ``ROOT/dos.toml``; a missing file means the built-in defaults."""
    path = root / CONFIG_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a file; remove it or run `dos init`") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    return parse_config(text, path, _cached_toml(root, text, path))


CACHE_REL = (".dos", "cache", "dos-toml.json")


def _cached_toml(root: Path, text: str, path: Path) -> dict[str, Any]:
    """TEXT parsed, through a cache beside the hooks' (``tomllib`` costs every verb a few ms to import).

    The cache holds the text it was parsed from and is used only for exactly that text; it is
    written only where ``.dos/`` already exists, and a value JSON cannot hold (a TOML date) is
    never cached. Validation always runs on the result, so a stale or edited cache cannot
    loosen the schema.
    """
    from dos.kernel.jsonc import JSONError, dumps, loads

    cache = root.joinpath(*CACHE_REL)
    try:
        held = loads(cache.read_text(encoding="utf-8"))
        if isinstance(held, dict) and held.get("text") == text and isinstance(held.get("raw"), dict):
            return held["raw"]
    except (OSError, JSONError, UnicodeDecodeError):
        pass
    raw = parse_toml(text, path)
    if cache.parent.parent.is_dir():
        try:
            body = dumps({"text": text, "raw": raw}, sort_keys=True)
        except (TypeError, ValueError):  # a date or time value: parse it every time
            return raw
        import os

        try:
            cache.parent.mkdir(exist_ok=True)
            tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass
    return raw


def unused_keys(cfg: Config) -> list[str]:
    """``[table] key`` for every key set in the file that DOS accepts but does not act on."""
    if cfg.source is None:
        return []
    import tomllib

    try:
        raw = tomllib.loads(Path(cfg.source).read_text(encoding="utf-8").removeprefix("\ufeff"))
    except (OSError, ValueError):
        return []
    out = []
    for name, (cls, how) in schema.TABLES.items():
        given = raw.get(name)
        if how != "table" or not isinstance(given, dict):
            continue
        for f in tables.fields(cls):
            if f.metadata.get("unused") and toml_key(f) in given:
                out.append(f"[{name}] {toml_key(f)}")
    for name in ("lifecycle", "data_class", "concurrency_class", "intervention", "precursor"):
        if name in raw and not any(o.startswith(f"[{name}]") for o in out):
            out.append(f"[{name}]")
    return out
