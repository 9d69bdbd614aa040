"""The hooks' posture: what DOS does with a deny it decided (``[hooks] posture``).

* ``observe``: nothing is shown to the agent and nothing is refused; the deny is recorded
  as an OBSERVE intervention that keeps its token and says what it would have done.
* ``warn``: a write deny is turned into a warning the agent reads (its host's context
  channel); a stop is never refused. Both are recorded as WARN.
* ``block``: write denies stand; a stop is never refused (the refusal is recorded as WARN).
* ``gate``: write denies stand and an unverified stop is refused: every hook decides as
  it would without a posture. The default.

A fault is never a judgment, so no posture softens it: a lease store that cannot be read,
a payload that cannot be parsed, a hook that failed under ``[hooks] on_error = "deny"``
keep failing closed in every posture. Pure and cheap to import: it runs on every denied call.
"""

from __future__ import annotations

from dos.kernel.enforce import ALLOW, Verdict

POSTURES = ("observe", "warn", "block", "gate")
DEFAULT = "gate"
# Denies that mean "DOS cannot judge this", not "DOS judged this": the posture leaves them alone.
FAULTS = frozenset({"STORE_UNREADABLE", "PAYLOAD_UNREADABLE", "HOOK_ERROR"})
MEANING = {
    "observe": "record only: every deny and refused stop is journaled as OBSERVE; agents are told nothing "
               "and nothing is blocked",
    "warn": "context only: agents are told what DOS would deny; nothing is blocked and no stop is refused",
    "block": "writes into another session's lane are denied; an unverified stop is recorded, not refused",
    "gate": "writes into another session's lane are denied and an unverified \"done\" is refused at stop",
}


def blocks_writes(posture: str) -> bool:
    return posture not in ("observe", "warn")


def gates_stop(posture: str) -> bool:
    return posture not in ("observe", "warn", "block")


def apply(posture: str, moment: str, verdict: Verdict) -> tuple[Verdict, Verdict]:
    """(shown, recorded): what the host is told for VERDICT at MOMENT, and what the store records.

    An unknown POSTURE counts as ``gate`` (the strictest): a posture never weakens by accident.
    """
    if verdict.token in FAULTS or verdict.action == "allow":
        return verdict, verdict
    if posture == "observe":
        would = "deny" if verdict.action == "deny" else "warn"
        kept = verdict.replace(action="observe", reason=(
            f"[posture observe: recorded, not enforced; the hook would {would}] {verdict.reason}"))
        return ALLOW, kept
    if verdict.action != "deny":
        return verdict, verdict
    if moment == "stop" and posture in ("warn", "block"):
        told = verdict.replace(action="warn", reason=(
            f"[posture {posture}: the stop gate is off, so this stop is not refused] {verdict.reason}"))
        return told, told
    if moment != "stop" and posture == "warn":
        told = verdict.replace(action="warn", reason=(
            f"[posture warn: not blocked, but DOS would deny this call] {verdict.reason}"))
        return told, told
    return verdict, verdict


__all__ = ["DEFAULT", "FAULTS", "MEANING", "POSTURES", "apply", "blocks_writes", "gates_stop"]
