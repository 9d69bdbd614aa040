"""The version of DOS, in one place (``dos --version``, ``dos doctor``, the MCP server)."""

__version__ = "0.2.0"
