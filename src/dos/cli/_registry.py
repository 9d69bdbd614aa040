"""The verb table: name, family, the module that implements it, and a one-line summary.

Kept as plain data so ``dos --help`` and verb dispatch import no verb module until a
verb runs. A module implementing verb ``foo-bar`` defines ``configure_foo_bar(parser)``
and ``run_foo_bar(args, ctx) -> int``.
"""

from __future__ import annotations


class Verb(tuple):
    """(name, family, module, summary): a plain tuple with names (``typing.NamedTuple`` costs start-up)."""

    __slots__ = ()

    def __new__(cls, name: str, family: str, module: str, summary: str) -> "Verb":
        return tuple.__new__(cls, (name, family, module, summary))

    name = property(lambda self: self[0])
    family = property(lambda self: self[1])
    module = property(lambda self: self[2])
    summary = property(lambda self: self[3])


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
        Verb("journal", "admission", "dos.cli.lanes", "the event log: tail, replay, seq, compact, export, import, verify"),
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
        Verb("scope", "gates", "dos.cli.gates", "does the last commit (or a range) stay in its lane? (advisory)"),
        Verb("scope-gate", "gates", "dos.cli.gates", "merge gate: refuse a write outside its lane or under a stale fence"),
        Verb("test-witness", "gates", "dos.cli.gates", "does a new test fail before the change and pass after it?"),
        Verb("attest", "gates", "dos.cli.gates", "witness a claimed effect and sign a receipt (Ed25519)"),
        Verb("verify-receipt", "gates", "dos.cli.gates", "check a signed receipt: any changed byte is INVALID"),
        # small verdicts and man
        Verb("pick-priority", "truth", "dos.cli.verdicts", "rank a unit by freshness: never-tried work first"),
        Verb("gate", "truth", "dos.cli.verdicts", "is an empty dispatch packet a real drain? LIVE, DRAIN, ..."),
        Verb("health", "admission", "dos.cli.verdicts", "should a run start on this lane? overlap, recurring blocker"),
        Verb("scout", "admission", "dos.cli.verdicts", "what should a loop start next? dispatch, unstick, replan, ..."),
        Verb("productivity", "time", "dos.cli.verdicts", "is a run's work per step fading? PRODUCTIVE, DIMINISHING, ..."),
        Verb("efficiency", "time", "dos.cli.verdicts", "did the tokens buy work? EFFICIENT, COSTLY, WASTEFUL"),
        Verb("improve", "time", "dos.cli.verdicts", "keep, revert or escalate one self-improvement candidate"),
        Verb("breaker", "time", "dos.cli.verdicts", "has a failure class tripped the circuit? CLOSED or OPEN"),
        Verb("exec-capability", "hooks", "dos.cli.verdicts", "does a command grant arbitrary code execution?"),
        Verb("hook-exit", "hooks", "dos.cli.verdicts", "map a shell hook's exit code to PASS, WARN, BLOCK, ..."),
        Verb("answer-shape", "gates", "dos.cli.verdicts", "is a drafted output an answer or a structural non-answer?"),
        Verb("reward", "gates", "dos.cli.verdicts", "may training use this trajectory? only a witnessed claim"),
        Verb("arg-provenance", "gates", "dos.cli.verdicts", "did a model mint the ids of a mutating tool call?"),
        Verb("man", "workspace", "dos.cli.man", "the manual of this workspace's refusal reasons and lanes"),
        # recovery: intent, status, resume, complete, rewind, trace, verify-result, coverage, reap
        Verb("intent", "recovery", "dos.cli.recovery", "the intent ledger: declare, claim, verify, suspend, show"),
        Verb("status", "recovery", "dos.cli.status", "one run's digest: liveness, verified steps, region, resume"),
        Verb("resume", "recovery", "dos.cli.recovery", "where a stopped run re-enters, re-verified on git"),
        Verb("complete", "recovery", "dos.cli.recovery", "is a run's whole declared job verifiably done?"),
        Verb("rewind", "recovery", "dos.cli.recovery", "may a dead-ended conversation go back to its checkpoint?"),
        Verb("trace", "recovery", "dos.cli.recovery", "one run across its ledger, lease events and commits"),
        Verb("verify-result", "recovery", "dos.cli.recovery", "did a worker really return, or did its host die?"),
        Verb("coverage", "recovery", "dos.cli.recovery", "how many of N fan-out workers really returned?"),
        Verb("reap", "recovery", "dos.cli.recovery", "scavenge the leases the supervisor would reap (dry run)"),
        # observability: observe, helped, export, notify
        Verb("observe", "observe", "dos.cli.observe", "roll the verdict journal up by syscall, verdict, run, lane..."),
        Verb("helped", "observe", "dos.cli.observe", "what DOS caught: the hooks' denials and warnings, by reason"),
        Verb("export", "observe", "dos.cli.observe", "ship journal events to file, statsd, OTLP or Prometheus"),
        Verb("notify", "observe", "dos.cli.observe", "push the decision queue or the fleet to a webhook or Slack"),
        # screens: top, decisions, serve
        Verb("top", "screens", "dos.cli.screens", "every lane: holder, fence, expiry, liveness; denies and stops"),
        Verb("decisions", "screens", "dos.cli.screens", "what needs a person, ranked, each with its command"),
        Verb("serve", "screens", "dos.cli.screens", "the live web dashboard (read-only; 127.0.0.1 by default)"),
        # memory and the home index
        Verb("memory", "truth", "dos.cli.memory", "remembered facts: remember, recall NAME, verify (3 when stale)"),
        Verb("reindex", "workspace", "dos.cli.home", "rebuild the home index of every workspace DOS has seen"),
        Verb("projects", "workspace", "dos.cli.home", "list the workspaces in the home index (--stale: gone)"),
        Verb("learn", "observe", "dos.cli.home", "roll all workspaces' journals up: wedge-hotspots, lane-refusals, ..."),
        # judges and the evaluation harnesses
        Verb("judge", "truth", "dos.cli.judges", "audit a dispatch run that picked nothing (judge wedge RUN_TS)"),
        Verb("judge-eval", "truth", "dos.cli.judges", "score a judge on labelled claims: any false clear fails"),
        Verb("overlap-eval", "admission", "dos.cli.judges", "score the overlap policy on tree pairs: any leak fails"),
        Verb("intervention-eval", "hooks", "dos.cli.judges", "do the chosen interventions stop more harm than work?"),
        Verb("tool-stream-eval", "hooks", "dos.cli.judges", "does the stall reader flag more stuck runs than sound ones?"),
        Verb("precursor-gate-eval", "hooks", "dos.cli.judges", "does the precursor gate stop more harm than work?"),
    )
}
