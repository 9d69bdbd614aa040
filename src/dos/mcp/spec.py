"""What a tool is: name, one-line description, parameters, and the body that runs in a worker.

Each body takes a ``Call`` and returns a JSON-ready dict that always carries an
``interpretation`` one-liner telling the agent its next move. ``dos.mcp.catalog`` lists
the tools the server offers, explicitly.
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


def tool(name: str, description: str, *params: Param, read_only: bool = True):
    """Make the decorated body tool NAME; every tool also takes ``workspace``."""

    def make(body: Callable[[Any], dict[str, Any]]) -> ToolSpec:
        return ToolSpec(name, description, (*params, WORKSPACE), body, read_only)

    return make
