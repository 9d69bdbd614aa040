"""Lease operations PostgreSQL decides in one statement, holding locks only inside the server.

The general write path (``dos.store.pg_write``) takes the workspace lock in its first round
trip and keeps it while the client decides, so a descheduled client stalls every other one.
Two operations need no client in the middle, and run as one call of a server function here:

- ``grant``: a quiet grant (``dos.kernel.quiet_grant``). The function checks that every lease
  in the view has one of the grant's quiet shapes (if not, it returns NULL and the store asks
  the arbiter as usual), then writes the lease and its ACQUIRE event. The event's payload is
  the client's, with the four numbers the server makes (fence, times) put in place of markers,
  so it is byte for byte what the general path writes.
- ``release``: releasing one's own lease by id. The function writes the RELEASE event the
  general path would; a lease whose ``loop_ts`` it cannot encode exactly as the client does
  (anything but printable ASCII) comes back as a row of NULLs: then the general path runs.

Locks, always in this order: the workspace lock *shared* (the general path holds it
exclusively, so it never runs beside these), then for a grant the lanes its quiet grant
names (so two grants that could matter to each other take turns), then the tail lock, held
from the fence and event seq being drawn to commit, so seqs and fences still commit in order.
The functions live in the workspace schema, are created on first use under the workspace
lock, and carry a version in their names, so a changed body never meets an older caller.
"""

from __future__ import annotations

from typing import Any, Sequence

from dos.store.live import encode_data, lease_to_row
from dos.store.pg_write import NOTIFY_CHANNEL
from dos.store.schema import LEASE_COLUMNS

GRANT = "dos_grant_v1"
LANE_NAMESPACE = 0x444F4C  # advisory-lock namespaces beside the workspace lock's (dos.store.postgres)
TAIL_NAMESPACE = 0x444F45
RELEASE = "dos_release_v1"
MARKS = {"acquired_ms": "\x01A", "expires_ms": "\x01E", "fence": "\x01F", "heartbeat_ms": "\x01H"}
_ENCODED = {k: encode_data({"x": v})[5:-1] for k, v in MARKS.items()}  # '"\u0001A"' ...
SERVER_MADE = {"fence": "f", "acquired_ms": "t", "heartbeat_ms": "t"}  # lease columns the function fills
NOW = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"  # the server clock, as CLOCK_SQL reads it
_COLS = ", ".join(LEASE_COLUMNS)
_VALUES = ", ".join(SERVER_MADE.get(c, f"p_{c}") for c in LEASE_COLUMNS)


def _fill(expr: str, mark: str, value: str) -> str:
    return f"replace({expr}, '{_ENCODED[mark]}', ({value})::text)"


_DATA = _fill(_fill(_fill(_fill("p_data", "acquired_ms", "t"), "expires_ms", "t + p_ttl_ms"), "fence", "f"),
              "heartbeat_ms", "t")

FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION {GRANT}(
        k1 integer, k2 integer, p_now bigint, k_lanes integer[],
        s_lane text[], s_kind text[], s_tree text[], s_mode text[],
        p_lease_id text, p_lane text, p_lane_kind text, p_tree text, p_holder text, p_ttl_ms bigint, p_mode text,
        p_session text, p_host_id text, p_pid bigint, p_pid_start bigint, p_run_id text, p_loop_ts text,
        p_reason text, p_data text) RETURNS bigint[]
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE t bigint; f bigint; s bigint; k integer;
    BEGIN
        PERFORM pg_advisory_xact_lock_shared(k1, k2);
        FOREACH k IN ARRAY k_lanes LOOP
            PERFORM pg_advisory_xact_lock({LANE_NAMESPACE}, k);
        END LOOP;
        IF EXISTS (SELECT 1 FROM leases l WHERE NOT EXISTS (
                SELECT 1 FROM unnest(s_lane, s_kind, s_tree, s_mode) AS q(lane, kind, tree, mode)
                WHERE q.lane = l.lane AND q.kind = l.lane_kind AND q.tree = l.tree AND q.mode = l.mode)) THEN
            RETURN NULL;  -- a lease the quiet grant does not know about: the arbiter decides
        END IF;
        PERFORM pg_advisory_xact_lock({TAIL_NAMESPACE}, k2);
        t := coalesce(p_now, {NOW});
        f := nextval('fence_seq');
        INSERT INTO leases ({_COLS}) VALUES ({_VALUES});
        INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data)
            VALUES (t, 'ACQUIRE', p_lane, p_lease_id, p_holder, p_host_id, p_reason, {_DATA})
            RETURNING seq INTO s;
        PERFORM pg_notify('{NOTIFY_CHANNEL}', current_schema());
        RETURN ARRAY[t, f, s];
    END $fn$""",
    f"""CREATE OR REPLACE FUNCTION {RELEASE}(
        k1 integer, k2 integer, p_now bigint, p_lease_id text, p_holder text, p_host_id text, p_reason text)
        RETURNS SETOF leases
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE r leases; t bigint;
    BEGIN
        PERFORM pg_advisory_xact_lock_shared(k1, k2);
        SELECT * INTO r FROM leases WHERE lease_id = p_lease_id AND holder = p_holder FOR UPDATE;
        IF NOT FOUND THEN
            RETURN;
        END IF;
        IF r.loop_ts IS NOT NULL AND r.loop_ts !~ '^[ -~]*$' THEN
            r := NULL;  -- not encoded here as the client would: the general path releases it
            RETURN NEXT r;
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock({TAIL_NAMESPACE}, k2);
        t := coalesce(p_now, {NOW});
        INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data)
            VALUES (t, 'RELEASE', r.lane, r.lease_id, r.holder, p_host_id, p_reason,
                    '{{"fence":' || r.fence || ',"loop_ts":' || coalesce(to_json(r.loop_ts)::text, 'null') || '}}');
        DELETE FROM leases WHERE lease_id = r.lease_id;
        PERFORM pg_notify('{NOTIFY_CHANNEL}', current_schema());
        RETURN NEXT r;
    END $fn$""",
)

GRANT_CALL = f"SELECT {GRANT}(%s, %s, %s, %s, %s, %s, %s, %s, {', '.join('%s' for _ in range(15))})"
RELEASE_CALL = f"SELECT {_COLS} FROM {RELEASE}(%s, %s, %s, %s, %s, %s, %s)"
INSTALLED = ("SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
             "WHERE n.nspname = %s AND p.proname = ANY(%s)")


def shape_arrays(shapes: Sequence[tuple[str, str, Sequence[str], str]]) -> tuple[list[str], ...]:
    """The quiet shapes as the four columns a lease row stores them in (the tree as the store encodes it)."""
    from dos.kernel.lease import Lease
    from dos.kernel.tree import LockMode

    rows = [lease_to_row(Lease("", 0, lane, kind, tuple(tree), "", 0, 0, 1, mode=LockMode(mode)))
            for lane, kind, tree, mode in sorted(shapes)]
    at = [LEASE_COLUMNS.index(c) for c in ("lane", "lane_kind", "tree", "mode")]
    return tuple([r[i] for r in rows] for i in at)


def lane_keys(schema: str, lanes: Sequence[str]) -> list[int]:
    """The advisory-lock keys of LANES (case-folded names) in SCHEMA, sorted (every grant locks in this order)."""
    import hashlib

    keys = {int.from_bytes(hashlib.blake2b(f"{schema}\0{lane}".encode(), digest_size=4).digest(), "big", signed=True)
            for lane in lanes}
    return sorted(keys)


def grant_payload(lease: Any) -> str | None:
    """LEASE's ACQUIRE payload with markers for the numbers the server makes; None if a value of the
    lease's own could be mistaken for a marker (then the general path writes it)."""
    body = lease.to_dict()
    body.update(MARKS)
    text = encode_data({"lease": body})
    rest = text
    for mark in _ENCODED.values():
        if rest.count(mark) != 1:
            return None
        rest = rest.replace(mark, "")
    return None if "\\u0001" in rest else text


def grant_params(lease: Any) -> list[Any]:
    """The lease's own columns, in the function's order (fence and times are the server's)."""
    row = dict(zip(LEASE_COLUMNS, lease_to_row(lease)))
    return [row[c] for c in LEASE_COLUMNS if c not in SERVER_MADE]
