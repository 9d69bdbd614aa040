"""The JavaScript plugin files DOS writes for hosts that load plugins, not hook commands (OpenCode,
Kilo, Cline 3.x): the file's text, and the plan to write, repair or remove it.

The file is DOS's alone; its one ``COMMANDS`` line is what DOS reads back to know what it wired.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from dos.service.wiring import SPECS, HostSpec
from dos.service.wiring_base import PLUGIN_COMMANDS, plugin_commands
from dos.service.wiring_files import fail

PLUGIN_HEAD = """// DOS for {label}: every tool call is put to DOS first, and a call DOS denies is refused.
// Written by `dos init --hooks {host}`; `dos init --hooks {host} --remove` deletes this file.
import {{ spawnSync }} from "node:child_process";
"""
PLUGIN_BODY = """
function ask(event, input, args, extra, directory) {
  const payload = JSON.stringify({ hook_event_name: event, tool: input.tool, sessionID: input.sessionID,
                                   callID: input.callID, args: args ?? {}, directory, ...extra });
  const run = spawnSync("/bin/sh", ["-c", COMMANDS[event]], { input: payload, cwd: directory, encoding: "utf8" });
  let answer = {};
  try { answer = JSON.parse((run.stdout || "").trim() || "{}"); } catch { answer = {}; }
  if (answer && answer.decision === "deny") return answer.reason || "DOS refused this call";
  if (event === "tool.execute.before" && (run.error || run.status !== 0)) {
    return ((run.stderr || "").trim() || `the DOS hook could not run (${run.error ? run.error.message : "exit " + run.status}`) + ")";
  }
  return "";
}

export const DosPlugin = async ({ directory }) => {
  const hooks = {};
  if (COMMANDS["tool.execute.before"]) {
    hooks["tool.execute.before"] = async (input, output) => {
      const why = ask("tool.execute.before", input, output.args, {}, directory);
      if (why) throw new Error(why);
    };
  }
  if (COMMANDS["tool.execute.after"]) {
    hooks["tool.execute.after"] = async (input, output) => {
      ask("tool.execute.after", input, input.args, { output: output && output.output }, directory);
    };
  }
  return hooks;
};
"""


# Cline's plugin API (its SDK's AgentPlugin): beforeTool may return {skip, reason}, which refuses that
# one call and hands the model the reason; a hook file's cancel would end the whole run instead.
# The payload is Cline's own hook-file payload, so the cline dialect reads both.
CLINE_HEAD = """// DOS for Cline: every tool call is put to DOS first, and a call DOS denies is skipped with its reason.
// Written by `dos init --hooks cline`; `dos init --hooks cline --remove` deletes this file.
import { spawnSync } from "node:child_process";
"""
CLINE_BODY = """
const state = { session: "", root: "" };

function params(input) {
  const out = {};
  if (input && typeof input === "object" && !Array.isArray(input)) {
    for (const [k, v] of Object.entries(input)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return out;
}

function ask(event, ctx, extra) {
  const snap = ctx.snapshot || {};
  const root = state.root || process.cwd();
  const payload = JSON.stringify({ hookName: event === "PreToolUse" ? "tool_call" : "tool_result",
    taskId: snap.conversationId || snap.runId || snap.agentId || "", sessionContext: { rootSessionId: state.session },
    workspaceRoots: [root], agent_id: snap.agentId || "", ...extra });
  const run = spawnSync("/bin/sh", ["-c", COMMANDS[event]], { input: payload, cwd: root, encoding: "utf8" });
  let answer = null;
  try { answer = JSON.parse((run.stdout || "").trim().split("\\n").pop()); } catch { answer = null; }
  if (event === "PreToolUse" && (!answer || typeof answer !== "object") && (run.error || run.status !== 0)) {
    const why = (run.stderr || "").trim() || `the DOS hook could not run (${run.error ? run.error.message : "exit " + run.status})`;
    return { skip: true, reason: why };
  }
  if (!answer || typeof answer !== "object") return undefined;
  if (event === "PreToolUse" && answer.cancel === true) return { skip: true, reason: answer.errorMessage || "DOS refused this call" };
  if (typeof answer.contextModification === "string" && answer.contextModification) return { appendContext: answer.contextModification };
  return undefined;
}

export const DosPlugin = {
  name: "dos",
  manifest: { capabilities: ["hooks"] },
  setup(api, ctx) {
    state.session = (ctx && ctx.session && ctx.session.sessionId) || "";
    state.root = (ctx && ctx.workspaceInfo && ctx.workspaceInfo.rootPath) || "";
  },
  hooks: {},
};
if (COMMANDS.PreToolUse) {
  DosPlugin.hooks.beforeTool = (ctx) => {
    const call = ctx.toolCall || {};
    const input = ctx.input !== undefined ? ctx.input : call.input;
    return ask("PreToolUse", ctx, { tool_call: { id: call.toolCallId, name: call.toolName, input },
                                    preToolUse: { toolName: call.toolName, parameters: params(input) } });
  };
}
if (COMMANDS.PostToolUse) {
  DosPlugin.hooks.afterTool = (ctx) => {
    const call = ctx.toolCall || {};
    const result = ctx.result || {};
    const output = typeof result.output === "string" ? result.output : JSON.stringify(result.output);
    return ask("PostToolUse", ctx, { tool_result: { id: call.toolCallId, name: call.toolName, input: ctx.input,
                                                    output: result.output, error: result.isError ? output : undefined },
                                     postToolUse: { toolName: call.toolName, parameters: params(ctx.input),
                                                    result: output, success: !result.isError } });
  };
}
export default DosPlugin;
"""


def plugin_text(cmds: Mapping[str, str], host: str = "opencode") -> str:
    """The whole plugin file for CMDS (event -> command); its one ``COMMANDS`` line is what DOS reads back."""
    head = PLUGIN_HEAD.format(label=SPECS[host].name if host in SPECS else host, host=host)
    head, body = (CLINE_HEAD, CLINE_BODY) if host == "cline" else (head, PLUGIN_BODY)
    return head + "\n" + PLUGIN_COMMANDS + json.dumps(dict(cmds), ensure_ascii=True) + ";\n" + body


def plan_plugin(path: Path, spec: HostSpec, cmds: Mapping[str, str], *, remove: bool, force: bool
                 ) -> tuple[bool, list[str], str | None, str, bool]:
    from dos.service.wiring_files import read_text

    before = read_text(path)
    found = plugin_commands(before) if before is not None else None
    if before is not None and found is None and before.strip():
        raise fail(path, "is not the plugin DOS writes", "move it aside (DOS owns this file name), then rerun")
    if remove:
        return before is not None, [], before, "", False
    after = plugin_text(cmds, spec.host)
    events = [e for e, _v in spec.events if not (found or {}).get(e)]
    changed = after != before and bool(events or force)
    return changed, events, before, after, False
