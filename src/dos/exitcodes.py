"""The one exit-code table: every process-level code and each verb's verdict tokens.

The exit code is the verdict: a shell or CI step branches on it directly. Every verb
also has ``contract_error`` (2). Tokens a verb does not know map to its ``unknown``
code where one is listed. ``dos exit-codes``, ``dos doctor --json``, ``docs/cli.md`` and
the tests all read this module; no other module writes an exit code as a literal.
"""

from __future__ import annotations

from types import MappingProxyType

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
    # small verdicts and man
    # recovery: intent, status, resume, complete, rewind, trace, verify-result, coverage, reap
    # observability: journal verify, observe, helped, export, notify
    # screens: top, decisions, serve
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
