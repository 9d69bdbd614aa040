"""Workspace discovery and ``dos.toml`` read into typed, frozen config.

Strict by design: an unknown table or key, or a value of the wrong type, raises
``ConfigError`` naming the file, the table and the key (with a suggestion when one is
close). A table is never dropped silently. Each table is a frozen dataclass below;
adding a key means adding a field, and the loader validates it from the annotation.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from dos.errors import ConfigError, WorkspaceError

CONFIG_NAME = "dos.toml"
STATE_DIR = ".dos"


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class LanesConfig:
    """``[lanes]``: declaring the table replaces the built-in lanes wholesale."""

    concurrent: tuple[str, ...] = ("main",)
    exclusive: tuple[str, ...] = ("global",)
    autopick: tuple[str, ...] = ("main",)
    trees: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: types.MappingProxyType({"main": ("**/*",), "global": ("**/*",)})
    )
    aliases: Mapping[str, str] = field(default_factory=lambda: types.MappingProxyType({}))

    @property
    def declared(self) -> tuple[str, ...]:
        """Every declared lane, concurrent first, without duplicates."""
        return tuple(dict.fromkeys((*self.concurrent, *self.exclusive)))

    def resolve(self, name: str) -> str:
        """A lane name with aliases applied."""
        return self.aliases.get(name, name)


@dataclass(frozen=True)
class PathsConfig:
    """``[paths]``: where plans live and where reference-compatible files are read."""

    plans_glob: str = "docs/**/*-plan.md"
    execution_state: str = ""
    lane_journal: str = ""
    verdict_journal: str = ""


@dataclass(frozen=True)
class StampConfig:
    """``[stamp]``: the ship-stamp grammar as data (lists replace, never merge)."""

    style: Literal["grep"] = "grep"
    subject_dirs: tuple[str, ...] = ()
    summary_bundle_prefixes: tuple[str, ...] = ()
    bookkeeping_prefixes: tuple[str, ...] = ()
    code_dirs: tuple[str, ...] = ()
    infra_basenames: tuple[str, ...] = ()
    infra_doc_basenames: tuple[str, ...] = ()
    progress_markers: tuple[str, ...] = ()
    sub_phase_parent_fallback: bool = False
    trailer_stamp: bool = False


REASON_CATEGORIES = ("TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM", "MISROUTE", "UNCLASSIFIED")


@dataclass(frozen=True)
class ReasonConfig:
    """One ``[reasons.<TOKEN>]`` entry, added to the built-in reason registry."""

    category: Literal["TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM", "MISROUTE", "UNCLASSIFIED"]
    refusal: bool = True
    summary: str = ""
    fix: str = ""
    see_also: tuple[str, ...] = ()


@dataclass(frozen=True)
class MorphologyRule:
    """One ``[[reasons.morphology]]`` entry: a substring that implies a category."""

    substring: str
    category: Literal["TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM", "MISROUTE", "UNCLASSIFIED"]


@dataclass(frozen=True)
class ReasonsConfig:
    """``[reasons.*]``: custom reasons (additive) and the morphology rules (replacing)."""

    custom: Mapping[str, ReasonConfig] = field(default_factory=lambda: types.MappingProxyType({}))
    morphology: tuple[MorphologyRule, ...] | None = None  # None: the built-in rules


@dataclass(frozen=True)
class OverlapConfig:
    """``[overlap]``: the admission overlap policy; exclusive holders never overlap."""

    policy: Literal["prefix"] = "prefix"


@dataclass(frozen=True)
class SuperviseConfig:
    """``[supervise]``: the emit-only supervisor's policy."""

    target: int = 1
    count_spinning_as_alive: bool = True
    reap_stalled: bool = True
    spin_halt_after_ms: int = 0
    spin_halt_after_minutes: float = 0.0
    worker_launch_template: str = "/dos-dispatch-loop --lane {lane}"
    max_concurrency: int = 0


@dataclass(frozen=True)
class CooldownConfig:
    """``[cooldown]``: how long a recent attempt keeps a unit off the pick list."""

    window_ms: int = 21_600_000
    error_window_ms: int = 1_800_000


@dataclass(frozen=True)
class StoreConfig:
    """``[store]``: SQLite under ``.dos/`` by default, PostgreSQL when ``url`` is set."""

    url: str = ""
    schema: str = ""  # PostgreSQL schema for this workspace; default dos_<directory name>
    path: str = ""
    busy_timeout_ms: int = 30_000
    lease_ttl_s: float = 900.0


@dataclass(frozen=True)
class HooksConfig:
    """``[hooks]``: how the enforcement hooks decide at the edges."""

    on_error: Literal["allow", "deny"] = "allow"
    auto_acquire: bool = False
    unknown_footprint: Literal["allow", "warn", "deny"] = "warn"
    stop_block_cap: int = 3
    allowed_outside: tuple[str, ...] = ()  # absolute dirs outside the workspace agents may write (e.g. "/tmp")
    stall_ignore: tuple[str, ...] = ()  # tools the stall reader never flags


@dataclass(frozen=True)
class Config:
    """The whole workspace configuration. ``source`` is the file read, or None for defaults."""

    lanes: LanesConfig = field(default_factory=LanesConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    stamp: StampConfig = field(default_factory=StampConfig)
    reasons: ReasonsConfig = field(default_factory=ReasonsConfig)
    overlap: OverlapConfig = field(default_factory=OverlapConfig)
    supervise: SuperviseConfig = field(default_factory=SuperviseConfig)
    cooldown: CooldownConfig = field(default_factory=CooldownConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    hooks: HooksConfig = field(default_factory=HooksConfig)
    source: Path | None = None


_SIMPLE_TABLES: dict[str, type] = {
    "paths": PathsConfig,
    "stamp": StampConfig,
    "overlap": OverlapConfig,
    "supervise": SuperviseConfig,
    "cooldown": CooldownConfig,
    "store": StoreConfig,
    "hooks": HooksConfig,
}
_TOP_LEVEL_KEYS = ("workspace",)  # written by `dos init` for the reference's sake; ignored
KNOWN_TABLES = ("lanes", "reasons", *_SIMPLE_TABLES)


# --------------------------------------------------------------------------- loading


def _suggest(name: str, known: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Loader:
    """Validates raw TOML values against dataclass annotations, naming file/table/key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, msg: str) -> typing.NoReturn:
        raise ConfigError(f"{self.path.name}: {where} {msg}")

    def table(self, cls: type, raw: Any, where: str) -> Any:
        if not isinstance(raw, dict):
            self.fail(where, f"must be a table, got {_tname(raw)}")
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in fields:
                self.fail(where, f"unknown key '{key}'{_suggest(key, fields)}")
            values[key] = self.value(hints[key], value, f"{where} key '{key}'")
        missing = [
            name for name, f in fields.items()
            if name not in values
            and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
        if missing:
            self.fail(where, f"missing required key '{missing[0]}'")
        return cls(**values)

    def value(self, tp: Any, raw: Any, where: str) -> Any:
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is bool:
            if not isinstance(raw, bool):
                self.fail(where, f"must be true or false, got {_tname(raw)}")
            return raw
        if tp is int:
            if isinstance(raw, bool) or not isinstance(raw, int):
                self.fail(where, f"must be an integer, got {_tname(raw)}")
            return raw
        if tp is float:
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                self.fail(where, f"must be a number, got {_tname(raw)}")
            return float(raw)
        if tp is str:
            if not isinstance(raw, str):
                self.fail(where, f"must be a string, got {_tname(raw)}")
            return raw
        if origin is Literal:
            if raw not in args:
                choices = ", ".join(repr(a) for a in args)
                self.fail(where, f"must be one of {choices}, got {raw!r}")
            return raw
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
            return types.MappingProxyType(
                {k: self.value(vtype, v, f"{where}.{k}") for k, v in raw.items()}
            )
        if dataclasses.is_dataclass(tp):
            return self.table(tp, raw, where)
        raise AssertionError(f"config schema uses an unsupported type {tp!r}")  # pragma: no cover


def _tname(raw: Any) -> str:
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(raw), type(raw).__name__)


def parse_config(text: str, path: Path) -> Config:
    """Parse dos.toml TEXT (read from PATH, used only in messages) into a Config."""
    import tomllib

    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from None
    ld = _Loader(path)
    parts: dict[str, Any] = {}
    for name, value in raw.items():
        if name in _TOP_LEVEL_KEYS:
            continue
        if name not in KNOWN_TABLES:
            kind = "table" if isinstance(value, dict) else "key"
            ld.fail(f"unknown {kind} [{name}]" if kind == "table" else f"unknown key '{name}'",
                    f"{_suggest(name, KNOWN_TABLES + _TOP_LEVEL_KEYS)}".strip()
                    or f"(known tables: {', '.join(KNOWN_TABLES)})")
        if name == "lanes":
            parts["lanes"] = _load_lanes(ld, value)
        elif name == "reasons":
            parts["reasons"] = _load_reasons(ld, value)
        else:
            parts[name] = ld.table(_SIMPLE_TABLES[name], value, f"[{name}]")
    if "supervise" in parts:
        sv = parts["supervise"]
        if sv.spin_halt_after_ms and sv.spin_halt_after_minutes:
            ld.fail("[supervise]", "sets both 'spin_halt_after_ms' and 'spin_halt_after_minutes'; keep one")
        if "{lane}" not in sv.worker_launch_template:
            ld.fail("[supervise] key 'worker_launch_template'", "must contain '{lane}'")
    return Config(**parts, source=path)


def _load_lanes(ld: _Loader, raw: Any) -> LanesConfig:
    if not isinstance(raw, dict):
        ld.fail("[lanes]", f"must be a table, got {_tname(raw)}")
    raw = dict(raw)
    # Declaring [lanes] replaces the built-in lanes: unnamed lists start empty.
    raw.setdefault("concurrent", [])
    raw.setdefault("exclusive", [])
    raw.setdefault("trees", {})
    lanes = ld.table(LanesConfig, raw, "[lanes]")
    if "autopick" not in raw:
        lanes = dataclasses.replace(lanes, autopick=lanes.concurrent)
    return lanes


def _load_reasons(ld: _Loader, raw: Any) -> ReasonsConfig:
    if not isinstance(raw, dict):
        ld.fail("[reasons]", f"must be a table, got {_tname(raw)}")
    custom: dict[str, ReasonConfig] = {}
    morphology = None
    for token, value in raw.items():
        if token == "morphology":
            if not isinstance(value, list):
                ld.fail("[[reasons.morphology]]", "must be an array of tables")
            morphology = tuple(
                ld.table(MorphologyRule, v, f"[[reasons.morphology]] entry {i + 1}")
                for i, v in enumerate(value)
            )
        else:
            custom[token] = ld.table(ReasonConfig, value, f"[reasons.{token}]")
    return ReasonsConfig(custom=types.MappingProxyType(custom), morphology=morphology)


def load_config(root: Path) -> Config:
    """Read ``ROOT/dos.toml``; a missing file means the built-in defaults."""
    path = root / CONFIG_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.name}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    return parse_config(text, path)


# --------------------------------------------------------------------------- workspace


@dataclass(frozen=True)
class Workspace:
    """The resolved workspace root and how it was found."""

    root: Path
    found_by: Literal["--workspace", "DISPATCH_WORKSPACE", "dos.toml", "git", "cwd"]

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def ensure_state_dir(self) -> Path:
        """Create ``.dos/`` (with a self-ignoring .gitignore) if needed, and return it."""
        return ensure_state_dir(self.root)


def find_workspace(
    explicit: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Workspace:
    """Resolve the workspace: --workspace, DISPATCH_WORKSPACE, nearest dos.toml, git top, cwd."""
    env = os.environ if env is None else env
    here = (cwd or Path.cwd()).resolve()
    for value, how in ((explicit, "--workspace"), (env.get("DISPATCH_WORKSPACE"), "DISPATCH_WORKSPACE")):
        if value:
            root = (here / Path(value).expanduser()).resolve()
            if not root.is_dir():
                raise WorkspaceError(f"workspace {str(value)!r} ({how}) is not a directory")
            return Workspace(root, how)  # type: ignore[arg-type]
    for parent in (here, *here.parents):
        if (parent / CONFIG_NAME).is_file():
            return Workspace(parent, "dos.toml")
    for parent in (here, *here.parents):
        if (parent / ".git").exists():
            return Workspace(parent, "git")
    return Workspace(here, "cwd")


_GITIGNORE = "# DOS state for this workspace; not for version control.\n*\n"


def ensure_state_dir(root: Path) -> Path:
    """Create ``ROOT/.dos`` on first write, with a .gitignore that ignores everything in it."""
    state = root / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create {state}: {exc.strerror}") from None
    ignore = state / ".gitignore"
    if not ignore.exists():
        tmp = state / f".gitignore.{os.getpid()}.tmp"
        tmp.write_text(_GITIGNORE, encoding="utf-8")
        os.replace(tmp, ignore)
    return state
