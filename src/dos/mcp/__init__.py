"""The DOS MCP server: the referee's verdicts and the lease tools over MCP (stdio or HTTP).

stdio is answered without the SDK (``dos.mcp.stdio``); streamable HTTP runs on the official
``mcp`` SDK's low-level server, pinned to ``mcp>=1.25,<2``.
``dos-mcp`` (or ``python -m dos.mcp``) starts it; ``dos init --mcp HOST`` registers it.
"""

SERVER_NAME = "dos"
MCP_RANGE = ">=1.25,<2"
