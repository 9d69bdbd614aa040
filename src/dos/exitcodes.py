"""One table mapping each verb's verdict tokens to exit codes.

The exit code is the verdict: a shell or CI step branches on it directly. Every verb
also has ``contract_error`` (2). Tokens a verb does not know map to its ``unknown``
code where one is listed. ``dos exit-codes [VERB]`` prints this table.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

CONTRACT_ERROR = 2
STORE_UNREACHABLE = 69

_TABLE: dict[str, dict[str, int]] = {
    # truth
    "verify": {"shipped": 0, "not_shipped": 1},
    "commit-audit": {"clean": 0, "unwitnessed": 1},
    "scope-gate": {"IN_SCOPE": 0, "SCOPE_CREEP": 5, "WRONG_TARGET": 6},
    "enumerate": {"CLEAN": 0, "DRIFT": 3, "EMPTY": 4},
    "pickable": {
        "OFFERABLE": 0, "DRAFT_CLASS": 10, "OPERATOR_GATED": 11, "SOAK_OPEN": 12,
        "DEPENDENCY_UNMET": 13, "IN_FLIGHT": 20, "SOFT_CLAIMED_ELSEWHERE": 21,
        "STALE_CLAIM": 22, "COOLDOWN": 23, "UNPARSEABLE": 24, "SHIPPED": 25, "unknown": 8,
    },
    "cooldown": {"CLEAR": 0, "RECENTLY_ATTEMPTED": 3, "unknown": 5},
    "reconcile": {"VERIFIED": 0, "QUIET_INCOMPLETE": 3, "HONEST_OPEN": 4, "unknown": 5},
    "plan": {"consistent": 0, "over_claimed": 1},
    # admission
    "arbitrate": {"acquire": 0, "refuse": 1},
    "lease-lane acquire": {"acquire": 0, "refuse": 1},
    "lease-lane release": {"released": 0, "not_held": 1},
    "lease-lane heartbeat": {"beaten": 0, "not_held": 1},
    "lease-lane adopt": {"adopted": 0, "not_held": 1},
    "lease-lane spawn": {"recorded": 0},
    "lease acquire": {"acquired": 0, "busy": 1},
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
    # store
    "store status": {"ok": 0, "unreachable": STORE_UNREACHABLE},
}

EXIT_CODES: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {verb: MappingProxyType({**codes, "contract_error": CONTRACT_ERROR})
     for verb, codes in _TABLE.items()}
)


def exit_code(verb: str, token: str) -> int:
    """The exit code for VERB's verdict TOKEN; an unrecognised token gets the verb's unknown code."""
    codes = EXIT_CODES[verb]
    if token in codes:
        return codes[token]
    return codes.get("unknown", CONTRACT_ERROR)
