"""stop: may the session stop? Not while a phase it claimed is unverified (at most the cap in a row).

The claim comes from ``dos claim`` (a CLAIM event) and from the hook's own flags; the
truth is ``verify``'s, run only when there is a claim, so a session that claimed nothing
stops at the cost of one indexed read.
"""

from __future__ import annotations

import os

from dos.kernel.enforce import ALLOW
from dos.service.events import Decision
from dos.service.live import LiveView, full_store, pg_texts
from dos.service.streams import read_json, stream_path, write_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.service.events import HookEvent
    from dos.service.settings import Settings


def claim_of(settings: Settings, session: str, env: Mapping[str, str]) -> tuple[str, str] | None:
    """The (plan, phase) SESSION last claimed with ``dos claim``, or None."""
    from dos.kernel.jsonc import JSONError, loads

    url = env.get("DOS_STORE_URL", "").strip() or settings.store_url
    if url:
        row = pg_texts(settings, env, lambda schema: f"SELECT data FROM {schema}.events WHERE op = 'CLAIM' "
                                                     "AND holder = $1 ORDER BY seq DESC LIMIT 1", [session])
        if row is None:  # not through libpq: the full store reads it (or says why it cannot)
            with full_store(settings) as store:
                return store.claim_for(session)
        row = row[0] if row else None
    else:
        path = settings.store_path
        if not os.path.isfile(path):
            return None
        from dos.store.snapshot import read_claims

        published = read_claims(path)
        if published is not None:
            return published.get(session)
        from dos.store.live import Unreadable, connect_read

        try:
            conn = connect_read(path, settings.busy_timeout_ms)
        except Unreadable:
            return None
        try:
            row = conn.execute("SELECT data FROM events WHERE op = 'CLAIM' AND holder = ? ORDER BY seq DESC LIMIT 1",
                               (session,)).fetchone()
        finally:
            conn.close()
    if not row:
        return None
    try:
        data = loads(row[0])
    except JSONError:
        return None
    if not isinstance(data, dict) or not data.get("plan"):
        return None
    return str(data.get("plan", "")), str(data.get("phase", ""))


def decide(event: HookEvent, settings: Settings, env: Mapping[str, str],
         claims: tuple[tuple[str, str], ...] = ()) -> Decision:
    """Refuse a stop while the session's claimed phase is not verified (at most the cap in a row).

    CLAIMS (from the hook's ``--plan/--phase`` or transcript markers) add to the session's
    ``dos claim``; the first unverified one is what refuses.
    """
    from dos.kernel.enforce import stop_verdict

    found = list(claims)
    if event.session:
        stored = claim_of(settings, event.session, env)
        if stored is not None:
            found.append(stored)
    from dos.service.ledger_gate import open_steps

    declared, ledger = open_steps(settings, event.session, env)  # a declared step that does not stand refuses
    found = [c for c in found if c[1] not in declared]  # the ledger judges a claimed step, not `dos verify`
    if not found and ledger is None:
        from dos.service.hook_journal import hook_allow

        hook_allow(settings, event, ALLOW, env, writes=False)
        return Decision(ALLOW, None, {"checked": 0, "results": []})
    count_path = stream_path(settings.root, event.session or "_", "stop.json")
    kept_blocks = read_json(count_path).get("blocks", 0)
    blocks = kept_blocks if event.stop_hook_active and isinstance(kept_blocks, int) else 0
    claim, shipped, detail = (found[0] if found else None), True, ""
    cache_path = stream_path(settings.root, event.session or "_", "shipped.json")
    key = _evidence_key(settings.root)
    cached = read_json(cache_path)
    remembered = _remembered(cached)
    proven = set(remembered) if key is not None and cached.get("key") == key else set()
    results = []
    for plan, phase in dict.fromkeys(found):
        if (plan, phase) in proven:
            results.append({"plan": plan, "phase": phase, "shipped": True, "source": "remembered"})
            continue
        shipped, detail, durable = _shipped(settings.root, plan, phase)
        results.append({"plan": plan, "phase": phase, "shipped": shipped, "source": detail or "verify"})
        if not shipped:
            claim = (plan, phase)
            break
        if durable:
            proven.add((plan, phase))
    if key is not None and (cached.get("key") != key or proven != remembered):  # unchanged: no write
        write_json(settings.root, cache_path, {"key": key, "claims": sorted(proven)})
    verdict = stop_verdict(claim, shipped, detail, stop_hook_active=event.stop_hook_active, blocks=blocks,
                           cap=settings.stop_block_cap)
    if ledger is not None and verdict.action == "allow" and verdict.token != "CAP_REACHED":
        from dos.kernel.resume import open_steps_verdict

        verdict = open_steps_verdict(*ledger, stop_hook_active=event.stop_hook_active, blocks=blocks,
                                     cap=settings.stop_block_cap)
        results.append({"run_id": ledger[0], "residual": list(ledger[1]), "source": "intent ledger"})
    from dos.service.posture import apply

    verdict, recorded = apply(settings.posture, "stop", verdict)  # [hooks] posture: only gate refuses a stop
    kept = blocks + 1 if verdict.action == "deny" else (blocks if verdict.token == "CAP_REACHED" else 0)
    notes = [n for n in [write_json(settings.root, count_path, {"blocks": kept})] if n] \
        if kept != kept_blocks else []
    if verdict.action == "warn":  # a host has no channel to tell an agent at a stop without refusing it
        notes.append("dos-hook: " + verdict.reason)
    if recorded.action != "allow" or recorded.token == "CAP_REACHED":
        note = LiveView(settings, env).record(event, recorded)
        notes += [note] if note else []
    else:  # a claimed phase that verifies: a decision worth its line in the journal
        from dos.service.hook_journal import hook_allow

        hook_allow(settings, event, verdict, env, writes=True)
    if verdict.token == "CAP_REACHED":
        notes.append("dos-hook: " + verdict.reason.removeprefix("DOS: "))
    return Decision(verdict, notes, {"checked": len(results), "results": results})


def _remembered(cached: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """The (plan, phase) pairs a session's ship cache holds (a damaged cache holds none)."""
    claims = cached.get("claims")
    if not isinstance(claims, list) or not all(isinstance(c, list) and all(isinstance(x, str) for x in c)
                                                for c in claims):
        return set()
    return {tuple(c) for c in claims}


def _evidence_key(root: str) -> list[Any] | None:
    """What a cached SHIPPED depends on: the commit HEAD names, dos.toml, the registry and the soak index.

    Read from files (no git process). None when HEAD cannot be read that way: no cache then.
    """
    git = os.path.join(root, ".git")
    try:
        if os.path.isfile(git):
            with open(git, encoding="utf-8") as fh:
                text = fh.read().strip()
            git = os.path.join(root, text.removeprefix("gitdir:").strip())
        with open(os.path.join(git, "HEAD"), encoding="utf-8") as fh:
            head = fh.read().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            try:
                with open(os.path.join(git, ref), encoding="utf-8") as fh:
                    head = fh.read().strip()
            except FileNotFoundError:
                common = git
                if os.path.isfile(os.path.join(git, "commondir")):
                    with open(os.path.join(git, "commondir"), encoding="utf-8") as fh:
                        common = os.path.join(git, fh.read().strip())
                with open(os.path.join(common, "packed-refs"), encoding="utf-8") as fh:
                    head = next((ln.split()[0] for ln in fh if ln.rstrip().endswith(" " + ref)), "")
    except (OSError, UnicodeDecodeError, StopIteration):
        return None
    if len(head) < 40:
        return None
    stamps = []
    for rel in ("dos.toml", "dos.state.yaml", ".dos/soaks/index.yaml"):
        try:
            st = os.stat(os.path.join(root, rel))
            stamps.append([st.st_mtime_ns, st.st_size])
        except OSError:
            stamps.append(None)
    return [head, stamps]


def _shipped(root: str, plan: str, phase: str) -> tuple[bool, str, bool]:
    """(shipped, why not, durable): a ship proven by the registry or a direct stamp holds until HEAD,
    dos.toml, the registry or the soak index changes; one that read plan documents is not cached."""
    from pathlib import Path

    from dos.config import Workspace
    from dos.service.context import Context
    from dos.service.truth import verify

    with Context(Workspace(Path(root), "--workspace")) as ctx:
        verdict = verify(ctx, plan, phase, journal=False)  # the stop decision is journaled, with this in it
    durable = verdict.shipped and verdict.source == "registry" or verdict.rung == "direct"
    if verdict.shipped or verdict.source in ("", "none"):
        return bool(verdict.shipped), "", bool(verdict.shipped and durable)
    return False, f"the evidence found says {verdict.source}", False


def record_claim(ctx: Any, session: str, plan: str, phase: str) -> Any:
    """``dos claim``: record the phase SESSION says it is shipping (its stop hook waits for verify)."""
    from dos.kernel.lease import Op
    from dos.service.intents import claim_for_session

    event = ctx.store.record(Op.CLAIM, lane=phase, holder=session, reason=f"claims {plan} {phase}",
                             data={"session": session, "plan": plan, "phase": phase})
    claim_for_session(ctx, session, phase)  # a step of the session's declared runs: claimed at HEAD, checked
    return event
