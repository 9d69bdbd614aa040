"""The tool table: name, one-line description, parameters, and the body that runs in a worker.

Each body takes a ``Call`` and returns a JSON-ready dict that always carries an
``interpretation`` one-liner telling the agent its next move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from dos.mcp.args import Param, input_schema

WORKSPACE = Param("workspace", "string", "workspace root directory (default: the server's workspace)",
                  default="")
MODE = Param("mode", "string", "exclusive stands alone; shared holders may coexist", default="exclusive",
             choices=("exclusive", "shared"))


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    params: tuple[Param, ...]
    body: Callable[[Any], dict[str, Any]]
    read_only: bool = True

    def schema(self) -> dict[str, Any]:
        return input_schema(self.params)


TOOLS: dict[str, ToolSpec] = {}


def tool(name: str, description: str, *params: Param, read_only: bool = True):
    """Register the decorated body as tool NAME; every tool also takes ``workspace``."""

    def register(body: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        TOOLS[name] = ToolSpec(name, description, (*params, WORKSPACE), body, read_only)
        return body

    return register


def all_tools() -> dict[str, ToolSpec]:
    """Every registered tool (importing the modules that define them)."""
    from dos.mcp import lease_tools, reason_tools, tools  # noqa: F401 - registration side effect

    return TOOLS
