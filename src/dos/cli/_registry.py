"""The verb table: name, family, the module that implements it, and a one-line summary.

Kept as plain data so ``dos --help`` and verb dispatch import no verb module until a
verb runs. A module implementing verb ``foo-bar`` defines ``configure_foo_bar(parser)``
and ``run_foo_bar(args, ctx) -> int``.
"""

from __future__ import annotations

from typing import NamedTuple


class Verb(NamedTuple):
    name: str
    family: str
    module: str
    summary: str


FAMILIES = {
    "truth": "truth: did it really ship? (the exit code is the verdict)",
    "admission": "admission: lanes, leases and the arbiter",
    "time": "time: is a run advancing?",
    "hooks": "hooks: enforcement inside agent hosts",
    "screens": "screens: read-only projections",
    "workspace": "workspace: set-up and health",
    "gates": "gates: merge and test checks, signed receipts",
    "recovery": "recovery: the intent ledger, resume and completion",
    "observe": "observability: the verdict journal, exports and notifications",
}

VERBS: dict[str, Verb] = {
    v.name: v
    for v in (
        Verb("verify", "truth", "dos.cli.truth", "did PLAN PHASE ship? 0 shipped, 1 not"),
        Verb("commit-audit", "truth", "dos.cli.truth", "does a commit's subject match its own diff?"),
        Verb("enumerate", "truth", "dos.cli.plans", "list a plan doc's phases and their drift"),
        Verb("pickable", "truth", "dos.cli.plans", "may this unit be offered to an agent now?"),
        Verb("cooldown", "truth", "dos.cli.plans", "was this unit attempted too recently?"),
        Verb("reconcile", "truth", "dos.cli.plans", "compare a claimed 'done' with the oracle"),
        Verb("claim", "truth", "dos.cli.hooks", "record the phase a session claims to be shipping"),
        Verb("arbitrate", "admission", "dos.cli.lanes", "would a lane be granted? (reads live leases)"),
        Verb("lease-lane", "admission", "dos.cli.lanes", "acquire, release, beat, adopt lane leases"),
        Verb("lease", "admission", "dos.cli.lanes", "the archive lock: acquire, release, status"),
        Verb("halt", "admission", "dos.cli.lanes", "record a HALT for a worker (sends no signal)"),
        Verb("journal", "admission", "dos.cli.lanes", "the event log: tail, replay, seq, compact, export, import"),
        Verb("id-alloc", "admission", "dos.cli.lanes", "allocate never-reused ids per scope"),
        Verb("run-id", "admission", "dos.cli.lanes", "mint a run id"),
        Verb("liveness", "time", "dos.cli.time", "ADVANCING, SPINNING or STALLED?"),
        Verb("loop", "time", "dos.cli.time", "plan spawns and reaps toward a target (emit-only)"),
        Verb("watch", "time", "dos.cli.time", "watchdog plan over tracked runs (emit-only)"),
        Verb("hook", "hooks", "dos.cli.hooks", "run a host hook: pretool, posttool, stop, selftest"),
        Verb("guard", "hooks", "dos.cli.hooks", "launch an agent host with DOS hooks wired for one run"),
        Verb("plan", "screens", "dos.cli.plans", "every plan phase: claimed vs verified"),
        Verb("quickstart", "workspace", "dos.cli.truth", "a 30-second tour in a throwaway repo"),
        Verb("init", "workspace", "dos.cli.workspace", "write dos.toml (and wire hooks with --hooks)"),
        Verb("doctor", "workspace", "dos.cli.workspace", "what DOS sees here, and whether it is healthy"),
        Verb("lint", "workspace", "dos.cli.workspace", "find dead or conflicting policy in dos.toml"),
        Verb("exit-codes", "workspace", "dos.cli.workspace", "print the verdict -> exit code table"),
        Verb("store", "workspace", "dos.cli.store", "store status and migration"),
        # gates: scope-gate, test-witness, attest, verify-receipt
        # small verdicts and man
        # recovery: intent, status, resume, complete, rewind, trace, verify-result, coverage, reap
        # observability: observe, helped, export, notify
        # screens: top, decisions, serve
    )
}
