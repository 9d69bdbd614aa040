"""The one exit-code table: every process-level code and each verb's verdict tokens.

The exit code is the verdict: a shell or CI step branches on it directly. Every verb
also has ``contract_error`` (2). Tokens a verb does not know map to its ``unknown``
code where one is listed. ``dos exit-codes``, ``dos doctor --json``, ``docs/cli.md`` and
the tests all read this module; no other module writes an exit code as a literal.
"""

from __future__ import annotations

MappingProxyType = type(type.__dict__)  # types.MappingProxyType, without importing types (0.2 ms)

OK = 0
REFUSED = 1  # the generic "no" of a yes/no verdict verb
MISSING_EXTRA = 1  # an optional dependency (an extra such as mcp or web) is not installed
CONTRACT_ERROR = 2  # usage, config, input or git error (also a hook's "block" on most hosts)
EX_DATAERR = 65  # sysexits: the store is not a DOS database
EX_UNAVAILABLE = 69  # sysexits: a configured store server cannot be reached
EX_CANTCREAT = 73  # sysexits: the store cannot be written
EX_IOERR = 74  # sysexits: the disk is full
EX_TEMPFAIL = 75  # sysexits: the store stayed locked past the busy timeout
NOT_FOUND = 127  # a command DOS was asked to launch does not exist
INTERRUPTED = 130  # Ctrl-C
BROKEN_PIPE = 141  # the reader closed stdout

PROCESS_CODES = MappingProxyType({
    "ok": OK, "contract_error": CONTRACT_ERROR, "store_corrupt": EX_DATAERR,
    "store_unreachable": EX_UNAVAILABLE, "store_read_only": EX_CANTCREAT, "disk_full": EX_IOERR,
    "store_busy": EX_TEMPFAIL, "command_not_found": NOT_FOUND, "interrupted": INTERRUPTED,
    "broken_pipe": BROKEN_PIPE,
})

_TABLE: dict[str, dict[str, int]] = {
    # truth
    "verify": {"shipped": 0, "not_shipped": 1},
    "commit-audit": {"clean": 0, "unwitnessed": 1},
    "enumerate": {"CLEAN": 0, "DRIFT": 3, "EMPTY": 4},
    "pickable": {
        "OFFERABLE": 0, "DRAFT_CLASS": 10, "OPERATOR_GATED": 11, "SOAK_OPEN": 12,
        "DEPENDENCY_UNMET": 13, "IN_FLIGHT": 20, "SOFT_CLAIMED_ELSEWHERE": 21,
        "STALE_CLAIM": 22, "COOLDOWN": 23, "UNPARSEABLE": 24, "SHIPPED": 25, "unknown": 8,
    },
    "cooldown": {"CLEAR": 0, "RECENTLY_ATTEMPTED": 3, "unknown": 5},
    "reconcile": {"VERIFIED": 0, "QUIET_INCOMPLETE": 3, "HONEST_OPEN": 4, "unknown": 5},
    "plan": {"consistent": 0, "over_claimed": 1},
    "claim": {"claimed": 0},
    # admission
    "arbitrate": {"acquire": 0, "refuse": 1},
    "lease-lane acquire": {"acquire": 0, "refuse": 1},
    "lease-lane release": {"released": 0, "not_held": 1},
    "lease-lane heartbeat": {"beaten": 0, "not_held": 1},
    "lease-lane adopt": {"adopted": 0, "not_held": 1},
    "lease-lane spawn": {"recorded": 0},
    "lease-lane live": {"listed": 0},
    "lease acquire": {"acquired": 0, "busy": 1},
    "lease status": {"free": 0, "held": 0, "stale": 0},
    "lease release": {"released": 0, "no_lock": 0, "force_released": 0, "mismatch": 0},
    "halt": {"recorded": 0},
    "lint": {"clean": 0, "findings": 1},
    "doctor --check": {"clean": 0, "findings": 1},
    # time
    "liveness": {"ADVANCING": 0, "SPINNING": 3, "STALLED": 4, "unknown": 5},
    "loop": {"AT_TARGET": 0, "FILLING": 0, "TARGET_UNREACHABLE": 0, "OVER_TARGET": 0},  # emit-only
    "watch": {"planned": 0},
    # hooks
    "hook pretool": {"allow": 0, "warn": 0, "deny": 2},
    "hook posttool": {"allow": 0, "warn": 0},
    "hook stop": {"allow": 0, "block": 2},
    "hook selftest": {"ok": 0, "failed": 1},
    "quickstart": {"demonstrated": 0, "failed": 1},
    # store
    "store migrate": {"migrated": 0},
    "store status": {"ok": 0, "unreachable": EX_UNAVAILABLE, "corrupt": EX_DATAERR},
    # gates: scope-gate, test-witness, attest, verify-receipt
    "scope": {"IN_SCOPE": 0, "SCOPE_CREEP": 5, "WRONG_TARGET": 6},
    "scope-gate": {"ALLOW": 0, "IN_SCOPE": 0, "SCOPE_CREEP": 5, "WRONG_TARGET": 6, "STALE_FENCE": 7, "UNFENCED": 8},
    "test-witness": {"DISCRIMINATES": 0, "VACUOUS": 3, "UNSATISFIED": 4, "REGRESSIVE": 5, "ABSTAIN": 6, "unknown": 7},
    "attest": {"CONFIRMED": 0, "REFUTED": 1, "UNWITNESSED": 3, "NO_CLAIM": 3},
    "verify-receipt": {"VALID": 0, "INVALID": 1},
    # small verdicts and man
    "pick-priority": {"NEVER_ATTEMPTED": 0, "ATTEMPTED": 3, "unknown": 5},
    "gate": {"LIVE": 0, "DRAIN": 3, "STALE-STAMP": 4, "BLOCKED": 5, "RACE": 6, "unknown": 7},
    "breaker": {"CLOSED": 0, "OPEN": 3, "unknown": 5},
    "productivity": {"PRODUCTIVE": 0, "DIMINISHING": 3, "STALLED": 4, "unknown": 5},
    "efficiency": {"EFFICIENT": 0, "COSTLY": 3, "WASTEFUL": 4, "unknown": 5},
    "improve": {"KEEP": 0, "REVERT": 3, "ESCALATE": 4, "unknown": 5},
    "reward": {"ACCEPT": 0, "REJECT_POISON": 3, "ABSTAIN": 4, "NO_CLAIM": 5, "unknown": 6},
    "hook-exit": {"PASS": 0, "BLOCK": 3, "WARN": 4, "DEFER": 5, "OBSERVE": 6, "unknown": 7},
    "exec-capability": {"BOUNDED": 0, "EMPTY": 0, "GRANTS_ARBITRARY_EXEC": 3, "unknown": 5},
    "answer-shape": {"ANSWER_SHAPED": 0, "NON_ANSWER": 3, "INDETERMINATE": 4, "unknown": 5},
    "arg-provenance": {"BELIEVE": 0, "UNSUPPORTED": 3},
    "health": {"PROCEED": 0, "ROUTE_UNSTICK": 3, "ROUTE_REPLAN": 4, "OVERLAP_BLOCK": 6},
    "scout": {"DISPATCH": 0, "UNSTICK": 3, "REPLAN": 4, "WAIT": 5, "STOP": 6},
    "man": {"known": 0, "unknown": 1},
    # recovery: intent, status, resume, complete, rewind, trace, verify-result, coverage, reap
    "intent declare": {"DECLARED": 0, "REFUSED": 3},
    "intent claim": {"VERIFIED": 0, "UNVERIFIED": 1, "REFUSED": 3},
    "intent verify": {"VERIFIED": 0, "UNVERIFIED": 1, "REFUSED": 3},
    "intent suspend": {"SUSPENDED": 0, "REFUSED": 3},
    "intent show": {"FOUND": 0, "NOT_FOUND": 1},
    "status": {"ADVANCING": 0, "SPINNING": 3, "STALLED": 4, "unknown": 5},
    "resume": {"RESUMABLE": 0, "COMPLETE": 0, "DIVERGED": 3, "UNRESUMABLE": 4, "unknown": 5},
    "complete": {"COMPLETE": 0, "INCOMPLETE": 3, "INDETERMINATE": 4, "UNDERDECLARED": 5, "unknown": 6},
    "rewind": {"REWIND": 0, "NO_REWIND": 0, "UNANCHORED": 3, "unknown": 4},
    "trace": {"found": 0, "not_found": 1},
    "verify-result": {"healthy": 0, "unreadable": 0, "dead": 3},
    "coverage": {"full": 0, "empty": 0, "underfilled": 3, "starved": 3, "overfilled": 3},
    "reap": {"PLANNED": 0, "APPLIED": 0},
    # observability: journal verify, observe, helped, export, notify
    "journal verify": {"INTACT": 0, "EMPTY": 0, "BROKEN": 1},
    "observe": {"clean": 0, "corrupt": 1},
    "helped": {"reported": 0},
    "export": {"shipped": 0, "failed": 1},
    "notify": {"sent": 0, "not_sent": 0, "deduplicated": 0, "failed": 1},
    # screens: top, decisions, serve
    "top": {"shown": 0},
    "decisions": {"listed": 0, "shown": 0, "none_pending": 1},
    "serve": {"stopped": 0},
    # memory and the home index
    "memory recall": {"RECALL_FRESH": 0, "RECALL_UNVERIFIABLE": 0, "RECALL_STALE": 3},
    "memory verify": {"RECALL_FRESH": 0, "RECALL_UNVERIFIABLE": 0, "EMPTY": 0, "RECALL_STALE": 3},
    "memory remember": {"REMEMBERED": 0},
    "reindex": {"reindexed": 0},
    "projects": {"listed": 0},
    "learn": {"aggregated": 0, "no_data": 0},
    # judges and the evaluation harnesses
    "judge": {"AGREE": 0, "ABSTAIN": 0, "DISAGREE": 1},
    "judge-eval": {"no_false_clear": 0, "false_clear": 1},
    "overlap-eval": {"sealed": 0, "leaked": 1},
    "intervention-eval": {"net_positive": 0, "neutral": 0, "net_harmful": 1},
    "tool-stream-eval": {"net_positive": 0, "not_net_positive": 1},
    "precursor-gate-eval": {"net_positive": 0, "not_net_positive": 1},
}

EXIT_CODES = MappingProxyType(
    {verb: MappingProxyType({**codes, "contract_error": CONTRACT_ERROR}) for verb, codes in _TABLE.items()}
)


def exit_code(verb: str, token: str) -> int:
    """The exit code for VERB's verdict TOKEN; an unrecognised token gets the verb's unknown code."""
    codes = EXIT_CODES[verb]
    if token in codes:
        return codes[token]
    if token.lower() in codes:  # the reference keys some verbs by lower-case tokens (verify: shipped)
        return codes[token.lower()]
    return codes.get("unknown", CONTRACT_ERROR)
