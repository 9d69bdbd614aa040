"""Frozen value tables without dataclasses' code generation.

``@dataclass`` compiles an ``__init__``, ``__repr__``, ``__eq__`` and ``__setattr__`` per class
with ``exec``: for the schema's thirty tables that was most of every verb's start-up. ``@table``
keeps the same declarations (annotated fields, ``field(default=..., default_factory=...,
metadata=...)``) and gives each class one shared, generic implementation instead.
"""

from __future__ import annotations

MappingProxyType = type(type.__dict__)  # types.MappingProxyType, without importing types (0.2 ms)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Field:
    """One declared key: its name and annotation, its default (or factory) and its metadata."""

    __slots__ = ("name", "type", "default", "default_factory", "metadata")

    def __init__(self, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING,
                 metadata: Mapping[str, Any] | None = None) -> None:
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.metadata = MappingProxyType(dict(metadata or {}))

    def value(self) -> Any:
        if self.default_factory is not MISSING:
            return self.default_factory()
        return self.default

    def __repr__(self) -> str:
        return f"Field({self.name!r})"


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING,
          metadata: Mapping[str, Any] | None = None) -> Any:
    return Field(default, default_factory, metadata)


class TableError(AttributeError):
    """Raised on an attempt to change a frozen table."""


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    # Writes the instance dict directly: a frozen table refuses assignment, even from here, and a
    # few dict operations keep a generic constructor close to a generated one (the arbiter builds
    # several of these per decision).
    cls = type(self)
    if args:
        kwargs = _positional(cls, args, kwargs)
    names = cls.__table_nameset__
    if not names.issuperset(kwargs):
        unknown = next(k for k in kwargs if k not in names)
        raise TypeError(f"{cls.__name__} has no field {unknown!r}")
    d = self.__dict__
    d.update(cls.__table_defaults__)
    for name, make in cls.__table_factories__:
        if name not in kwargs:
            d[name] = make()
    d.update(kwargs)
    required = cls.__table_required__
    if required and not required <= d.keys():
        missing = next(f.name for f in cls.__table_fields__ if f.name not in d)
        raise TypeError(f"{cls.__name__} needs field {missing!r}")
    post = cls.__table_post__
    if post is not None:  # as dataclasses: validation after every field is set
        post(self)


def _positional(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    spec = cls.__table_names__
    if len(args) > len(spec):
        raise TypeError(f"{cls.__name__} takes {len(spec)} fields, got {len(args)}")
    given = dict(zip(spec, args))
    for key in kwargs:
        if key in given:
            raise TypeError(f"{cls.__name__} got {key!r} twice")
    given.update(kwargs)
    return given


def _frozen(self: Any, name: str, value: Any = None) -> None:
    raise TableError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, n) for n in type(self).__table_names__)


def _eq(self: Any, other: object) -> bool:
    if type(other) is not type(self):
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash((type(self).__name__, _values(self)))


def _repr(self: Any) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in type(self).__table_names__)
    return f"{type(self).__name__}({inner})"


def table(cls: type | None = None, *, frozen: bool = True) -> Any:
    """Make CLS a table of its annotated fields (in declaration order): ``@table``, frozen, or
    ``@table(frozen=False)`` for a mutable accumulator (which, like any mutable value, has no hash)."""
    if cls is None:
        return lambda c: _make(c, frozen)
    return _make(cls, frozen)


def _make(cls: type, frozen: bool) -> type:
    spec = []
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        declared = cls.__dict__.get(name, MISSING)
        f = declared if isinstance(declared, Field) else Field(default=declared)
        f.name, f.type = name, annotation
        if isinstance(declared, Field) or declared is not MISSING:
            delattr(cls, name)  # the value lives on each instance, not the class
        spec.append(f)
    cls.__table_fields__ = tuple(spec)
    cls.__table_names__ = tuple(f.name for f in spec)
    cls.__table_nameset__ = frozenset(cls.__table_names__)
    cls.__table_defaults__ = {f.name: f.default for f in spec
                              if f.default is not MISSING and f.default_factory is MISSING}
    cls.__table_factories__ = tuple((f.name, f.default_factory) for f in spec if f.default_factory is not MISSING)
    cls.__table_post__ = getattr(cls, "__post_init__", None)
    cls.__table_required__ = frozenset(f.name for f in spec if f.default is MISSING and f.default_factory is MISSING)
    cls.__init__ = _init
    cls.__eq__ = _eq
    cls.__repr__ = _repr
    if frozen:
        cls.__setattr__ = _frozen
        cls.__delattr__ = _frozen
        cls.__hash__ = _hash
    else:
        cls.__hash__ = None
    return cls


def is_table(obj: Any) -> bool:
    """Is OBJ a table class or instance?"""
    return hasattr(obj if isinstance(obj, type) else type(obj), "__table_fields__")


def fields(obj: Any) -> tuple[Field, ...]:
    """The fields of a table class or instance, in declaration order."""
    return (obj if isinstance(obj, type) else type(obj)).__table_fields__


def replace(obj: Any, **changes: Any) -> Any:
    """A copy of table OBJ with CHANGES applied."""
    values = {n: getattr(obj, n) for n in type(obj).__table_names__}
    for key in changes:
        if key not in values:
            raise TypeError(f"{type(obj).__name__} has no field {key!r}")
    values.update(changes)
    return type(obj)(**values)


def asdict(obj: Any) -> dict[str, Any]:
    """Table OBJ as a dict of its fields, nested tables (also inside lists and tuples) as dicts too."""
    def plain(value: Any) -> Any:
        if is_table(value) and not isinstance(value, type):
            return asdict(value)
        if isinstance(value, (list, tuple)):
            return type(value)(plain(v) for v in value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {n: plain(getattr(obj, n)) for n in type(obj).__table_names__}
