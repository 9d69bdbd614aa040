"""Writing the intent ledger: declare a run's goal and steps, claim a step, verify it, suspend the run.

This is the Python API agents and drivers call (the ``dos intent`` verbs are a thin skin
over it). A claim is recorded as the agent's say-so (STEP_CLAIMED) and then checked at
the boundary: DOS mints STEP_VERIFIED only when the claimed commit stands on git for the
step (``dos.kernel.resume.check_step``). The writer token comes back once, from the
``declare`` that generated it; pass it to every later write (or set ``DOS_INTENT_TOKEN``).

    from dos.service.context import Context
    from dos.service import intents
    with Context.discover() as ctx:
        v = intents.declare(ctx, rid, goal="ship auth", steps=["a", "b"], regions={"a": ["src/**"]})
        intents.claim(ctx, rid, "a", token=v.writer_token)
"""

from __future__ import annotations

import os
import secrets

from dos.errors import InputError, UsageError
from dos.kernel import intent as K
from dos.kernel.intent import LedgerVerdict
from dos.kernel.resume import Commit, check_step, is_hex_sha
from dos.kernel.runid import is_run_id
from dos.service import ancestry
from dos.service.journal import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

    from dos.service.context import Context
    from dos.store.intents import IntentStore

TOKEN_ENV = "DOS_INTENT_TOKEN"
SYSCALL = "intent"


def ledger(ctx: Context) -> IntentStore:
    """The intent ledger of CTX's store."""
    from dos.store.intents import IntentStore

    store = ctx.store
    return IntentStore(store.engine, host_id=store.host_id)


def token_from(given: str | None) -> str:
    """GIVEN, else ``$DOS_INTENT_TOKEN``, else ''."""
    return (given if given is not None else os.environ.get(TOKEN_ENV, "")).strip()


def _run_id(run_id: str) -> str:
    if not is_run_id(run_id or ""):
        raise UsageError(f"--run-id {run_id!r} is not a run id (RID- + 15 uppercase base-32 chars); mint one "
                         f"with `dos run-id mint PROCESS`")
    return run_id


def _clean_steps(steps: Sequence[str], regions: Mapping[str, Sequence[str]]) -> tuple[list[str], dict[str, list[str]]]:
    from dos.kernel.tree import PathEscapesWorkspace, region

    out: list[str] = []
    for s in steps:
        s = (s or "").strip()
        if not s or len(s) > K.MAX_ID or any(ord(c) < 32 for c in s):
            raise UsageError(f"step id {s!r} must be 1-{K.MAX_ID} printable characters")
        if s in out:
            raise UsageError(f"step {s!r} is declared twice")
        out.append(s)
    clean: dict[str, list[str]] = {}
    for step, globs in regions.items():
        if step not in out:
            raise UsageError(f"--region names step {step!r}, which is not declared (--step {step})")
        for g in globs:
            try:
                region(g)
            except PathEscapesWorkspace as exc:
                raise UsageError(f"region of step {step!r}: {exc}") from None
        clean[step] = [g for g in globs if g.strip()]
    return out, clean


def declare(ctx: Context, run_id: str, *, goal: str = "", plan: str = "", phase: str = "",
            steps: Sequence[str] = (), regions: Mapping[str, Sequence[str]] | None = None, start_sha: str = "",
            session: str = "", token: str | None = None, pid: int | None = None, writer: str = "",
            env: Mapping[str, Any] | None = None) -> LedgerVerdict:
    """Append an INTENT: the run's goal, its ordered steps and each step's region (globs).

    The run's first INTENT binds its writer: TOKEN (else ``$DOS_INTENT_TOKEN``, else a new one,
    returned once as ``writer_token``) and SESSION. START_SHA defaults to HEAD. PID: the writer's
    process, so a killed writer shows as stopped.
    """
    from dos import procs

    run_id = _run_id(run_id)
    ids, clean = _clean_steps(steps, dict(regions or {}))
    if not (goal.strip() or plan.strip() or ids):
        raise UsageError("declare what the run will do: --goal TEXT, --plan/--phase, or --step ID")
    given = token_from(token)
    new_token = given or secrets.token_urlsafe(18)
    start = ancestry.resolve(ctx.root, start_sha) if start_sha else ancestry.head(ctx.root)
    if start_sha and not start:
        raise UsageError(f"--start-sha {start_sha!r} is not a commit in {ctx.root}")
    spine = {k: os.environ.get(v, "") for k, v in (("process_id", "CID_PROCESS_ID"), ("parent_id", "CID_PARENT_ID"),
                                                    ("root_id", "CID_ROOT_ID"))}
    fields: dict[str, Any] = {"goal": goal.strip(), "plan": plan.strip(), "phase": phase.strip(), "start_sha": start,
                              "declared_steps": ids, "step_regions": clean,
                              "spine": {k: v for k, v in spine.items() if v}}
    if env:
        fields["env"] = dict(env)
    got = ledger(ctx).declare(run_id, fields, token=new_token, session=session.strip(), writer=writer.strip(),
                              pid=pid, pid_start=procs.start_time(pid) if pid else None)
    if not got.recorded:
        verdict = LedgerVerdict("REFUSED", got.reason, run_id)
    else:
        shown = new_token if not given and got.state is not None and got.state.intents == 1 else ""
        what = f"{len(ids)} step(s): {', '.join(ids)}" if ids else f"goal {goal.strip() or plan + ' ' + phase!r}"
        verdict = LedgerVerdict("DECLARED", f"run {run_id} declared {what}; start {start[:12] or '(no commit)'}",
                                run_id, seq=got.seq, writer_token=shown)
    record(ctx, SYSCALL, verdict, run_id=run_id, session=session)
    return verdict


def _sha_of(ctx: Context, sha: str) -> str:
    """A claimed commit as a full sha when git can resolve it, else the text as given (it will not stand)."""
    text = (sha or "HEAD").strip()
    return ancestry.resolve(ctx.root, text) or text


def _check(ctx: Context, state: K.IntentState, step: str, sha: str):
    printed = ancestry.footprints(ctx.root, [sha]) if is_hex_sha(sha) else {}
    if sha in printed:
        from dos.git import is_ancestor

        full, files = printed[sha]
        commit = Commit(sha, full, is_ancestor(ctx.root, full, "HEAD"), files)
    else:
        commit = Commit(sha)
    return check_step(step, sha, state.region_of(step), commit)


def _mint_verified(ctx: Context, run_id: str, check: Any, via: str = "file-path") -> int:
    got = ledger(ctx).mint(run_id, K.STEP_VERIFIED, {"step_id": check.step_id, "sha": check.sha, "via": via,
                                                      "verdicts": [check.to_dict()]}, author="dos:boundary")
    return got.seq


def claim(ctx: Context, run_id: str, step: str, *, sha: str = "HEAD", token: str | None = None,
          session: str | None = None) -> LedgerVerdict:
    """Record that STEP is done at SHA (STEP_CLAIMED), then check it: VERIFIED (DOS minted STEP_VERIFIED)
    when the commit stands on git for the step, UNVERIFIED (with why) when it does not, REFUSED when the
    caller is not the run's writer or the step is not declared."""
    store = ledger(ctx)
    state = store.state(run_id)
    step = (step or "").strip()
    if state is None or not state.has_intent:
        verdict = LedgerVerdict("REFUSED", f"run {run_id} has no INTENT in this store; declare it first", run_id,
                                step)
    elif state.declared and step not in state.declared:
        verdict = LedgerVerdict("REFUSED", f"step {step!r} is not one of run {run_id}'s declared steps "
                                f"({', '.join(state.declared)})", run_id, step)
    else:
        full = _sha_of(ctx, sha)
        got = store.append(run_id, [(K.STEP_CLAIMED, {"step_id": step, "sha": full})], token=token_from(token),
                           session=session)
        if not got.recorded:
            verdict = LedgerVerdict("REFUSED", got.reason, run_id, step, full)
        else:
            check = _check(ctx, got.state, step, full)
            if check.stands:
                seq = _mint_verified(ctx, run_id, check)
                verdict = LedgerVerdict("VERIFIED", f"step {step} stands: {check.why}", run_id, step, check.sha,
                                        (check,), seq=seq)
            else:
                verdict = LedgerVerdict("UNVERIFIED", f"step {step} was claimed but does not stand: {check.why}",
                                        run_id, step, full, (check,), seq=got.seq)
    record(ctx, SYSCALL, verdict, run_id=run_id, session=session or "", subject=step)
    return verdict


def verify(ctx: Context, run_id: str, steps: Sequence[str] = ()) -> LedgerVerdict:
    """Check each claimed step (STEPS, else every declared one) against git now; mint STEP_VERIFIED for each
    that stands and is not verified yet. VERIFIED when every checked step stands, else UNVERIFIED."""
    store = ledger(ctx)
    state = store.state(run_id)
    if state is None or not state.has_intent:
        verdict = LedgerVerdict("REFUSED", f"run {run_id} has no INTENT in this store", run_id)
        record(ctx, SYSCALL, verdict, run_id=run_id)
        return verdict
    wanted = list(steps) or list(state.declared)
    unknown = [s for s in wanted if s not in state.declared]
    if unknown:
        raise UsageError(f"not declared steps of run {run_id}: {', '.join(unknown)}")
    checks = []
    for step in wanted:
        done = state.verified.get(step)
        sha = state.claims.get(step, "") or (done or {}).get("sha", "")
        check = _check(ctx, state, step, sha)
        checks.append(check)
        if check.stands and not (done and done.get("sha") == check.sha and done.get("via") in K.TRUSTED_VIA):
            _mint_verified(ctx, run_id, check)
    bad = [c for c in checks if not c.stands]
    if bad:
        verdict = LedgerVerdict("UNVERIFIED", f"{len(checks) - len(bad)}/{len(checks)} step(s) stand; not: "
                                + "; ".join(f"{c.step_id} ({c.why})" for c in bad), run_id, checks=tuple(checks))
    else:
        verdict = LedgerVerdict("VERIFIED", f"all {len(checks)} checked step(s) stand on git", run_id,
                                checks=tuple(checks))
    record(ctx, SYSCALL, verdict, run_id=run_id)
    return verdict


def read_turns(path: str) -> list[str] | None:
    """The turn digests of the transcript at PATH, or None when it cannot be read."""
    from dos.kernel.rewind import turn_digests

    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return turn_digests(fh)
    except OSError:
        return None


def suspend(ctx: Context, run_id: str, *, reason: str = "", resume_sha: str = "", residual: Sequence[str] = (),
            transcript: str = "", checkpoint_turn: int | None = None, token: str | None = None,
            session: str | None = None, operator: str = "") -> LedgerVerdict:
    """Park the run resumably (SUSPEND). With TRANSCRIPT, DOS mints the conversation checkpoint itself: the
    digest of turn CHECKPOINT_TURN (default: the last turn), which ``rewind`` later anchors on.
    OPERATOR: an operator's halt (``dos halt --resumable``) instead of the writer's own suspension."""
    fields: dict[str, Any] = {"reason": reason, "resume_sha": _sha_of(ctx, resume_sha) if resume_sha else ""}
    if residual:
        fields["residual"] = list(residual)
    if transcript:
        path = os.path.abspath(transcript)
        turns = read_turns(path)
        if turns is None:
            raise InputError(f"cannot read transcript {transcript}; pass the host's transcript file")
        turn = len(turns) - 1 if checkpoint_turn is None else checkpoint_turn
        if not 0 <= turn < len(turns):
            raise UsageError(f"--checkpoint-turn {turn}: the transcript has {len(turns)} turn(s) (0-{len(turns) - 1})")
        fields.update(checkpoint_turn=turn, transcript_digest=turns[turn], transcript_path=path)
    elif checkpoint_turn is not None:
        raise UsageError("--checkpoint-turn needs --transcript (DOS digests the turn itself)")
    store = ledger(ctx)
    if operator:
        got = store.mint(run_id, K.SUSPEND, fields, author=f"operator:{operator}")
    else:
        got = store.append(run_id, [(K.SUSPEND, fields)], token=token_from(token), session=session)
    if got.recorded:
        mark = (f"; checkpoint turn {fields['checkpoint_turn']} ({fields['transcript_digest'][:12]})"
                if "transcript_digest" in fields else "")
        verdict = LedgerVerdict("SUSPENDED", f"run {run_id} parked resumably{mark}; `dos resume --run-id {run_id}` "
                                f"re-adjudicates it and proposes the continuation", run_id,
                                sha=fields["resume_sha"], seq=got.seq)
    else:
        verdict = LedgerVerdict("REFUSED", got.reason, run_id)
    record(ctx, SYSCALL, verdict, run_id=run_id, session=session or "")
    return verdict


def claim_for_session(ctx: Context, session: str, step: str) -> list[LedgerVerdict]:
    """``dos claim``: STEP is claimed at HEAD in each of SESSION's runs that declared it (and not yet verified)."""
    if not session:
        return []
    out = []
    for run, state in ledger(ctx).runs(session=session):
        if step in state.declared and step not in state.verified:
            out.append(claim(ctx, run.run_id, step, sha="HEAD", session=session))
    return out


# --------------------------------------------------------------------------- the reference's intent.jsonl


def export_ledger(ctx: Context, run_id: str) -> list[str]:
    """RUN_ID's ledger as the reference's ``intent.jsonl`` lines (sorted keys, ASCII)."""
    from dos.store.jsonl import dumps, iso

    records = ledger(ctx).records(run_id)
    if not records:
        raise UsageError(f"no intent ledger for run {run_id!r} in this store (see `dos intent show`)")
    return [dumps(K.ledger_record(r.op, run_id, iso(r.ts_ms), {**r.data, "seq": r.seq})) + "\n" for r in records]


def parse_ledger(raw: bytes) -> list[dict[str, Any]]:
    """An ``intent.jsonl`` as records: a torn last line is dropped (it did not happen), a bad line before it
    becomes a ``_CORRUPT`` record (counted, never folded), and a line that is not an object is skipped."""
    from dos.kernel.jsonc import JSONError, loads

    lines = [ln for ln in raw.decode("utf-8", errors="replace").splitlines() if ln.strip()]
    out: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        try:
            rec = loads(line)
        except (JSONError, ValueError, RecursionError):
            if i < len(lines) - 1:
                out.append({"op": K.CORRUPT, "_raw": line[:2000], "_line": i})
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def import_ledger(ctx: Context, raw: bytes, *, run_id: str = "", hint: str = "") -> dict[str, Any]:
    """Bring in a reference ``intent.jsonl`` as the ledger of a run this store does not have yet (all or
    nothing). RUN_ID: else the records' ``run_id``, else HINT (the file's run directory). A new writer
    token is bound to the run and returned once."""
    from dos.store.jsonl import parse_ts

    records = parse_ledger(raw)
    named = {r["run_id"] for r in records if isinstance(r.get("run_id"), str) and r["run_id"]}
    if run_id and named - {run_id}:
        raise InputError(f"the ledger names run(s) {', '.join(sorted(named))}, not {run_id}; nothing was imported")
    if not run_id and len(named) > 1:
        raise InputError(f"the ledger mixes runs {', '.join(sorted(named))}; an intent.jsonl holds one run")
    rid = run_id or (named.pop() if named else hint)
    if not is_run_id(rid):
        raise UsageError("cannot tell which run this ledger is: pass --run-id RID")
    if not records:
        raise InputError("the ledger holds no records; nothing was imported")
    rows = []
    for rec in records:
        ts = None
        if isinstance(rec.get("ts"), str):
            try:
                ts = parse_ts(rec["ts"])
            except ValueError:
                ts = None
        op = rec.get("op") if isinstance(rec.get("op"), str) else "_UNKNOWN"
        rows.append((ts, op, {k: v for k, v in rec.items() if k not in ("op", "run_id", "ts", "seq")}))
    token = secrets.token_urlsafe(18)
    now = ctx.now_ms()
    got = ledger(ctx).import_ledger(rid, [(now if ts is None else ts, op, f) for ts, op, f in rows], token=token)
    if not got.recorded:
        raise UsageError(got.reason)
    state = got.state
    verdict = LedgerVerdict("DECLARED", f"imported {len(rows)} record(s) for run {rid}", rid, seq=got.seq,
                            writer_token=token)
    record(ctx, SYSCALL, verdict, run_id=rid)
    return {"run_id": rid, "imported": len(rows), "corrupt": state.corrupt, "unknown": state.unknown,
            "malformed": state.malformed, "unreadable_newer": state.unreadable_newer, "writer_token": token}
