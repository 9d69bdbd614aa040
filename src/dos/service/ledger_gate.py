"""The stop hook's ledger check: may this session stop while a step it declared does not stand?

Cheap when the session declared nothing: one indexed read of ``intent_runs`` by session
(a store older than the ledger's schema has no such table, which reads as nothing). Only
a session with declared steps pays for git: each run is re-adjudicated, claimed steps that
now stand get their STEP_VERIFIED (the stop is a boundary), and what is left refuses.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Mapping

    from dos.service.settings import Settings


def _declared(states: list[Any]) -> frozenset[str]:
    """The steps declared by those of these folded ledgers that are not suspended."""
    out: set[str] = set()
    for raw in states:
        if isinstance(raw, dict) and not raw.get("suspended"):
            out.update(s for s in raw.get("declared") or () if isinstance(s, str))
    return frozenset(out)


def _session_states(settings: Settings, session: str, env: Mapping[str, str]) -> list[Any]:
    url = env.get("DOS_STORE_URL", "").strip() or settings.store_url
    if url:
        from dos.service.live import full_store, pg_texts

        rows = pg_texts(settings, env, lambda schema: f"SELECT state FROM {schema}.intent_runs WHERE session = $1 "
                        "ORDER BY bound_ms, run_id", [session])  # through libpq: a stop never imports psycopg
        if rows is None:
            from dos.store.intents import IntentStore

            with full_store(settings) as store:
                return [s.to_dict() for _, s in IntentStore(store.engine).runs(session=session)]
        return _parsed(rows)
    path = settings.store_path
    if not os.path.isfile(path):
        return []
    from dos.store.snapshot import read_intent_sessions

    owners = read_intent_sessions(path)  # published under the write lock: never missing an owner
    if owners is not None and session not in owners:
        return []
    import _sqlite3

    from dos.store.live import Unreadable, connect_read

    try:
        conn = connect_read(path, settings.busy_timeout_ms)
    except Unreadable:
        return []
    try:
        rows = conn.execute("SELECT state FROM intent_runs WHERE session = ?", (session,)).fetchall()
    except _sqlite3.OperationalError:  # a store from before the intent ledger
        return []
    finally:
        conn.close()
    return _parsed(rows)


def _parsed(rows: list[Any]) -> list[Any]:
    """The intent states in ROWS (one JSON text each); a text that does not parse is no state."""
    from dos.kernel.jsonc import JSONError, loads

    out = []
    for (text,) in rows:
        try:
            out.append(loads(text))
        except JSONError:
            continue
    return out


def open_steps(settings: Settings, session: str,
               env: Mapping[str, str]) -> tuple[frozenset[str], tuple[str, tuple[str, ...]] | None]:
    """(every step SESSION's live runs declared, (run id, residual) of the first run whose declared steps do
    not all stand, or None). A ``dos claim`` of a declared step is judged by the ledger, not by ``dos verify``."""
    # A session id is agents' text: one with lone surrogates is stored (and so looked up) as the
    # store spells it, with replacement characters, never allowed to fail the stop hook.
    session = session.encode("utf-8", "replace").decode("utf-8") if session else session
    steps = _declared(_session_states(settings, session, env)) if session else frozenset()
    if not steps:
        return steps, None
    from pathlib import Path

    from dos.config import Workspace
    from dos.service.context import Context
    from dos.service.recovery import open_steps as heavy

    with Context(Workspace(Path(settings.root), "--workspace")) as ctx:
        found = heavy(ctx, session)
    return steps, (found[0] if found else None)
