"""The MCP server: start-up to a tool list, and per-call cost against the CLI doing the same work.

Ratios are against `python3 -c pass`. The CLI rows run 20 processes; the MCP rows make 20
calls (or 20 acquire+release pairs) on one server, start-up included, so a row's cost per
call is its time less the start-up row's, over its calls. The MCP rows drive the server
with a bare JSON-RPC client (as a host not written in Python does: the time is the
server's); the "(SDK client)" row drives it with the SDK's Python client, which imports
the SDK a second time. "import the MCP SDK" is what serving on the SDK would cost before
any of ours: the HTTP transport pays it, stdio (``dos.mcp.stdio``) does not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from run import Case, dos_cmd, ref_cmd

HERE = Path(__file__).resolve().parent
N = 20
TOML = ('[lanes]\nconcurrent = ["src", "docs"]\nexclusive = ["global"]\nautopick = ["src", "docs"]\n'
        '[lanes.trees]\nsrc = ["src/**"]\ndocs = ["docs/**"]\nglobal = ["**/*"]\n')


def cases(tmp: Path) -> list[Case]:
    ws = tmp / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "dos.toml").write_text(TOML)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    subprocess.run(["git", "-C", str(ws), "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q",
                    "--allow-empty", "-m", "AUTH: AUTH1 init"], check=True)
    drive = [sys.executable, str(HERE / "mcp_drive.py")]
    server = ["--", sys.executable, "-m", "dos.mcp"]
    loop = " ; ".join([" ".join([*dos_cmd(), "lease-lane", "live"])] * N)
    verify_loop = " ; ".join([" ".join([*dos_cmd(), "verify", "AUTH", "AUTH1"])] * N)
    out = [
        Case("python3 -c pass", [sys.executable, "-c", "pass"], baseline=True),
        Case("import the MCP SDK (server side)", [sys.executable, "-c", "import mcp.server.lowlevel, "
                                                  "mcp.server.stdio"]),
        Case("mcp: start, initialize, list tools", [*drive, *server], cwd=ws),
        Case("mcp (SDK client): start, initialize, list tools", [*drive, "--sdk-client", *server], cwd=ws),
        Case(f"mcp: {N} x dos_lease_status", [*drive, "--calls", str(N), "--tool", "dos_lease_status",
                                             *server], cwd=ws),
        Case(f"cli: {N} x dos lease-lane live", ["sh", "-c", loop], cwd=ws),
        Case(f"mcp: {N} x dos_verify", [*drive, "--calls", str(N), "--tool", "dos_verify", "--args",
                                       '{"plan": "AUTH", "phase": "AUTH1"}', *server], cwd=ws),
        Case(f"cli: {N} x dos verify", ["sh", "-c", verify_loop], cwd=ws),
        Case(f"mcp: {N} x acquire+release", [*drive, "--calls", str(N), "--pairs", *server], cwd=ws),
    ]
    ref = ref_cmd()
    if ref:
        ref_mcp = Path(ref[0]).with_name("dos-mcp")
        out += [Case("reference dos-mcp: start, initialize, list tools", [*drive, "--", str(ref_mcp)], cwd=ws),
                Case(f"reference dos-mcp: {N} x dos_verify", [*drive, "--calls", str(N), "--tool", "dos_verify",
                     "--args", '{"plan": "AUTH", "phase": "AUTH1", "workspace": "."}', "--", str(ref_mcp)],
                     cwd=ws)]
    return out
