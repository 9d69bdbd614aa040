"""Tool parameters: one declaration gives both the JSON schema a host sees and the validation.

A bad argument raises ``BadArgument`` naming the argument and the fix; the server turns
it into an MCP error result. Nothing here imports the SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping, Sequence

Kind = Literal["string", "integer", "boolean", "array", "number"]
_PY = {"string": (str,), "integer": (int,), "boolean": (bool,), "array": (list,), "number": (int, float)}
MAX_STRING = 4096  # a path, a ref or a name; anything longer is not one
_NAMES = {"string": "a string", "integer": "an integer", "boolean": "true or false",
          "array": "a list of strings", "number": "a number"}


class BadArgument(ValueError):
    """A tool argument is missing, unknown, or of the wrong type or value."""

    def __init__(self, tool: str, argument: str, problem: str) -> None:
        super().__init__(f"{tool}: argument {argument!r} {problem}")
        self.tool = tool
        self.argument = argument
        self.problem = problem


@dataclass(frozen=True)
class Param:
    """One tool argument. ``default`` is used when it is absent; ``nullable`` also accepts null."""

    name: str
    kind: Kind
    description: str
    required: bool = False
    default: Any = None
    minimum: float | None = None
    nullable: bool = False
    choices: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        s: dict[str, Any] = {"type": [self.kind, "null"] if self.nullable else self.kind,
                             "description": self.description}
        if self.kind == "array":
            s["items"] = {"type": "string"}
        if self.minimum is not None:
            s["minimum"] = self.minimum
        if self.choices:
            s["enum"] = list(self.choices)
        if not self.required and self.default is not None:
            s["default"] = self.default
        return s


def input_schema(params: Sequence[Param]) -> dict[str, Any]:
    """The JSON schema of a tool's arguments object."""
    return {
        "type": "object",
        "properties": {p.name: p.schema() for p in params},
        "required": [p.name for p in params if p.required],
        "additionalProperties": False,
    }


def validate(tool: str, params: Sequence[Param], arguments: Mapping[str, Any] | None) -> dict[str, Any]:
    """ARGUMENTS checked against PARAMS, with defaults filled in; BadArgument on the first problem."""
    arguments = dict(arguments or {})
    known = {p.name: p for p in params}
    for name in arguments:
        if name not in known:
            raise BadArgument(tool, name, f"is not accepted (accepted: {', '.join(known) or 'none'})")
    out: dict[str, Any] = {}
    for p in params:
        if p.name not in arguments or (arguments[p.name] is None and not p.nullable):
            if p.required:
                raise BadArgument(tool, p.name, f"is required ({p.description})")
            out[p.name] = list(p.default) if isinstance(p.default, (list, tuple)) else p.default
            continue
        out[p.name] = _check(tool, p, arguments[p.name])
    return out


def _check(tool: str, p: Param, value: Any) -> Any:
    if value is None:
        return None
    ok = isinstance(value, _PY[p.kind]) and not (p.kind in ("integer", "number") and isinstance(value, bool))
    if not ok:
        raise BadArgument(tool, p.name, f"must be {_NAMES[p.kind]}, got {_json_type(value)}")
    if p.kind == "array":
        for item in value:
            if not isinstance(item, str) or not item:
                raise BadArgument(tool, p.name, f"must be a list of non-empty strings, got item {item!r}")
            if "\0" in item or len(item) > MAX_STRING:
                raise BadArgument(tool, p.name, "must hold plain strings (no NUL byte, at most "
                                                f"{MAX_STRING} characters)")
        return list(value)
    if p.kind == "string" and "\0" in value:
        raise BadArgument(tool, p.name, "must not contain a NUL byte")
    if p.kind == "string" and len(value) > MAX_STRING:
        raise BadArgument(tool, p.name, f"is {len(value)} characters long; at most {MAX_STRING} are accepted")
    if p.kind == "string" and p.required and not value.strip():
        raise BadArgument(tool, p.name, f"must not be empty ({p.description})")
    if p.choices and value not in p.choices:
        raise BadArgument(tool, p.name, f"must be one of {', '.join(p.choices)}, got {value!r}")
    if p.minimum is not None and value < p.minimum:
        raise BadArgument(tool, p.name, f"must be >= {p.minimum:g}, got {value!r}")
    return value


def _json_type(value: Any) -> str:
    for kind, types in (("boolean", (bool,)), ("integer", (int,)), ("number", (float,)), ("string", (str,)),
                        ("array", (list, tuple)), ("object", (dict,))):
        if isinstance(value, types):
            return f"{kind} {value!r}" if kind != "object" else "an object"
    return type(value).__name__
