"""Frozen value types that cost nothing to import, for the kernel types the hooks use.

``dataclasses`` pulls in ``inspect`` (about 15 ms of start-up on every tool call), so
the values on the hook's path subclass ``Record`` instead: fields are the class's
``__slots__`` in order, defaults come from ``_defaults``, and instances are immutable.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MISSING = object()


class Record:
    """A frozen record: positional or keyword construction, equality, hash, repr, replace."""

    __slots__ = ()
    _defaults: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self.__slots__
        if not kwargs and len(args) == len(names):  # every field given in order: a store's row, a replace
            for name, value in zip(names, args):
                object.__setattr__(self, name, value)
            return
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields, got {len(args)}")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{type(self).__name__} has no field {key!r}")
            if key in values:
                raise TypeError(f"{type(self).__name__} got {key!r} twice")
            values[key] = value
        defaults = self._defaults
        for name in names:
            value = values.get(name, _MISSING)
            if value is _MISSING:
                value = defaults.get(name, _MISSING)
                if value is _MISSING:
                    raise TypeError(f"{type(self).__name__} needs field {name!r}")
                if type(value) in (list, dict, set):  # a fresh mutable default per instance
                    value = type(value)(value)
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({inner})"

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._values()

    def replace(self, **changes: Any) -> Any:
        """A copy with CHANGES applied."""
        names = self.__slots__
        for key in changes:
            if key not in names:
                raise TypeError(f"{type(self).__name__} has no field {key!r}")
        return type(self)(*[changes[name] if name in changes else getattr(self, name) for name in names])

    def fields(self) -> dict[str, Any]:
        """Field name -> value, in declaration order."""
        return {name: getattr(self, name) for name in self.__slots__}


class Choice(str):
    """A string limited to the VALUES its class declares; each value has one canonical member.

    ``class Mode(Choice, values=("shared", "exclusive"))`` gives ``Mode.SHARED``,
    ``Mode("shared") is Mode.SHARED``, and ``ValueError`` for any other string.
    """

    __slots__ = ()
    _members: dict[str, Any] = {}

    def __init_subclass__(cls, values: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._members = {}
        for value in values:
            member = str.__new__(cls, value)
            cls._members[value] = member
            setattr(cls, value.upper(), member)

    def __new__(cls, value: str) -> Any:
        member = cls._members.get(value)
        if member is None:
            known = ", ".join(cls._members)
            raise ValueError(f"{value!r} is not a valid {cls.__name__} (one of: {known})")
        return member

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{str.upper(self)}"

    def __str__(self) -> str:
        return str.__str__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (str(self),)

    @classmethod
    def values(cls) -> tuple[Any, ...]:
        """Every member, in declaration order."""
        return tuple(cls._members.values())
