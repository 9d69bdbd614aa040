"""The small verdicts an agent asks about its own next step: is this command arbitrary exec, did I mint
this id, is my draft an answer. The same service calls (and JSON) as the CLI verbs, plus a next move.
"""

from __future__ import annotations

import json
from typing import Any

from dos.mcp.args import BadArgument, Param
from dos.mcp.spec import tool


@tool("dos_exec_capability",
      "Does a shell command grant arbitrary code execution (an interpreter, shell, runner or sudo anywhere in "
      "it)? Same verdict as `dos exec-capability --command CMD --json`.",
      Param("command", "string", "the shell command to classify", required=True),
      Param("extra", "array", "more program names that count as arbitrary exec", nullable=True))
def exec_capability(call) -> dict[str, Any]:
    from dos.service.small import exec_capability as judge

    with call.service() as ctx:
        v = judge(ctx, call.args["command"], extra=call.args.get("extra") or ())
    out = v.to_dict()
    out["interpretation"] = {
        "GRANTS_ARBITRARY_EXEC": f"ARBITRARY EXEC: '{v.program}' can run any code; a per-command allow-list does "
                                 f"not bound it, so treat it as the most privileged call.",
        "BOUNDED": f"BOUNDED: runs {v.program!r}, outside the arbitrary-exec set (not a proof of safety).",
        "EMPTY": "EMPTY: the command runs no program.",
    }[v.token]
    return out


@tool("dos_arg_provenance",
      "Before a mutating tool call: did each id argument come from bytes the environment wrote (a prior tool "
      "result, the task text), or was it made up? Same verdict as `dos arg-provenance --json`.",
      Param("tool_name", "string", "the tool about to be called, e.g. \"update_order\"", required=True),
      Param("args", "string", "the call's arguments as a JSON object", required=True),
      Param("priors", "array", "prior tool results (each a JSON or text blob)", nullable=True),
      Param("task_text", "string", "the task prompt", default=""),
      Param("new_keys", "array", "arguments that hold the new object's own id (never checked)", nullable=True),
      Param("read", "boolean", "the call does not mutate (reads are never gated)", default=False))
def arg_provenance(call) -> dict[str, Any]:
    from dos.service.small import arg_provenance as judge

    a = call.args
    try:
        args = json.loads(a["args"])
    except json.JSONDecodeError as exc:
        raise BadArgument(call.tool, "args", f"is not valid JSON ({exc.msg}); give a JSON object") from None
    if not isinstance(args, dict):
        raise BadArgument(call.tool, "args", "must be a JSON object of the call's arguments")
    with call.service() as ctx:
        v = judge(ctx, a["tool_name"], args, priors=a.get("priors") or (), task_text=a.get("task_text", ""),
                  new_keys=a.get("new_keys") or (), read=a.get("read", False))
    out = v.to_dict()
    out["interpretation"] = (f"UNSUPPORTED: {', '.join(v.unsupported)} look made up; read the object first and "
                             f"use the id the environment returns." if not v.believe else
                             "BELIEVE: no id argument looks made up; the call may proceed.")
    return out


@tool("dos_answer_shape",
      "Is a drafted output shaped like an answer, or a structural non-answer (empty, a leaked reasoning log, a "
      "bare refusal, a tool dump)? Shape only, never correctness. Same verdict as `dos answer-shape --json`.",
      Param("text", "string", "the drafted output (empty is a NON_ANSWER)", default=""),
      Param("min_chars", "integer", "the shortest answer", default=1, minimum=0),
      Param("non_answer", "array", "more disqualifying regexes", nullable=True),
      Param("markers", "array", "regexes an answer must match (strict mode)", nullable=True))
def answer_shape(call) -> dict[str, Any]:
    from dos.service.small import answer_shape as judge

    a = call.args
    with call.service() as ctx:
        v = judge(ctx, a["text"], min_chars=a.get("min_chars", 1), non_answer=tuple(a.get("non_answer") or ()),
                  markers=tuple(a.get("markers") or ()))
    out = v.to_dict()
    out["interpretation"] = {
        "ANSWER_SHAPED": "ANSWER_SHAPED: ship it if it is also grounded; shape says nothing about correctness.",
        "NON_ANSWER": f"NON_ANSWER: do not ship this as the answer ({v.reason}); write the answer itself.",
        "INDETERMINATE": "INDETERMINATE: no required marker matched; ask a judge or a person.",
    }[v.token]
    return out
