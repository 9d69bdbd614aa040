"""Manual probe (not a test): wire a tiny logging hook into a host and print what the host sends it.

    .venv/bin/python tests/e2e/probe_hooks.py claude-code            # every event's payload
    .venv/bin/python tests/e2e/probe_hooks.py gemini --exit 2 --out '{"decision":"deny","reason":"no"}'

The pre-tool hook answers with ``--exit`` and ``--out`` (stdout; stderr gets the same text), so
the probe also shows how a host treats an exit code or an envelope: whether the write
happened and what the model was told. The logging hook is written by hand on purpose:
this is the experiment behind FINDINGS.md, not the product's wiring.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2ekit import HOSTS, make_workspace, run_host, say  # noqa: E402

EVENTS = {
    "claude-code": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SubagentStart",
                    "SubagentStop", "SessionEnd"),
    "codex": ("SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "PostToolUse", "Stop",
              "SubagentStart", "SubagentStop"),
    "gemini": ("SessionStart", "BeforeAgent", "BeforeModel", "BeforeToolSelection", "BeforeTool", "AfterTool",
               "AfterModel", "AfterAgent", "SessionEnd"),
}
PRE = {"claude-code": "PreToolUse", "codex": "PreToolUse", "gemini": "BeforeTool"}

HOOK = r'''#!/usr/bin/env python3
import json, os, sys
event = sys.argv[1]
cfg = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "loghook.json")))
with open(cfg["log"], "a") as fh:
    fh.write(json.dumps({"event": event, "payload": sys.stdin.read()}) + "\n")
if event == cfg["pre"]:
    if cfg["out"]:
        sys.stdout.write(cfg["out"])
        sys.stderr.write(cfg["out"] + "\n")
    sys.exit(cfg["code"])
'''


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("host", choices=sorted(HOSTS))
    ap.add_argument("--exit", type=int, default=0, help="exit code of the pre-tool hook")
    ap.add_argument("--out", default="", help="what the pre-tool hook prints")
    ap.add_argument("--cli", help="the CLI executable (default: from .ci/install-agent-clis)")
    args = ap.parse_args()
    host = HOSTS[args.host]
    if args.cli:
        exe = Path(args.cli)
    else:
        import subprocess

        root = Path(__file__).resolve().parents[2]
        lines = subprocess.run(["bash", str(root / ".ci" / "install-agent-clis")], text=True, capture_output=True,
                               check=True).stdout.splitlines()
        exe = Path(next(ln.split(" ", 3)[3] for ln in lines if ln.startswith(host.exe + " ")))
    ws = make_workspace(Path(tempfile.mkdtemp(prefix="dos-probe-")))
    hook = ws.home / "loghook.py"
    hook.write_text(HOOK)
    hook.chmod(0o755)
    log = ws.home / "hooklog.jsonl"
    (ws.home / "loghook.json").write_text(json.dumps({"log": str(log), "code": args.exit, "out": args.out,
                                                      "pre": PRE[args.host]}))

    def cmd(event: str) -> str:
        return f"{hook} {event}"

    extra: list[str] = []
    if args.host == "codex":
        lines = []
        for event in EVENTS["codex"]:
            lines += [f"[[hooks.{event}]]", f"[[hooks.{event}.hooks]]", 'type = "command"',
                      f"command = {json.dumps(cmd(event))}", ""]
        (ws.home / ".codex").mkdir()
        (ws.home / ".codex" / "config.toml").write_text("\n".join(lines))
        extra = ["--dangerously-bypass-hook-trust"]
    else:
        cfg = ws.root / (".claude" if args.host == "claude-code" else ".gemini") / "settings.json"
        cfg.parent.mkdir(exist_ok=True)
        cfg.write_text(json.dumps({"hooks": {e: [{"hooks": [{"type": "command", "command": cmd(e)}]}]
                                             for e in EVENTS[args.host]}}, indent=1))
    target = ws.path("web/probe.py")
    run = run_host(host, exe, ws, [host.write(ws, target, "X = 1\n"), say("Probe done.")], extra_args=extra)
    for line in log.read_text().splitlines() if log.exists() else []:
        rec = json.loads(line)
        try:
            payload = json.dumps(json.loads(rec["payload"]), indent=1)
        except ValueError:
            payload = rec["payload"]
        print(f"=== {rec['event']}\n{payload}")
    print(f"=== result: exit {run.proc.returncode} in {run.seconds:.1f}s; {target.name} written: {target.exists()}")
    for res in run.results():
        print(f"    the model saw: {'ERROR ' if res['error'] else ''}{res['text'][:300]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
