"""The MCP tests drive the real server with the SDK client (``_mcpdrive``); they need the SDK."""

import pytest

pytest.importorskip("mcp", reason="the MCP SDK is in the test extra: pip install 'dos[test]'")
