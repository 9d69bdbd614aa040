"""The tools the DOS MCP server offers, in the order ``tools/list`` shows them."""

from __future__ import annotations

from dos.mcp import lease_tools, reason_tools, tools, verdict_tools
from dos.mcp import memory_tools
from dos.mcp.spec import ToolSpec

TOOLS: dict[str, ToolSpec] = {t.name: t for t in (
    tools.verify, tools.doctor, tools.arbitrate, tools.commit_audit, tools.liveness, tools.status,
    reason_tools.refuse_reasons, reason_tools.check_reason,
    lease_tools.lease_acquire, lease_tools.lease_release, lease_tools.lease_heartbeat, lease_tools.lease_status,
    verdict_tools.exec_capability, verdict_tools.arg_provenance, verdict_tools.answer_shape,
    memory_tools.recall,
)}
