"""Lease operations PostgreSQL decides in one statement, holding locks only inside the server.

The general write path (``dos.store.pg_write``) takes the workspace lock in its first round
trip and keeps it while the client decides, so a descheduled client stalls every other one.
Two operations need no client in the middle, and run as one call of a server function here:

- ``grant``: a quiet grant (``dos.kernel.quiet_grant``). The function checks that every lease
  in the view has one of the grant's quiet shapes, one jsonb lookup a lease (if not, it returns
  NULL and the store asks the arbiter as usual), then writes the lease and its ACQUIRE event.
- ``release``: releasing one's own lease by id, with the RELEASE event the general path writes.
- ``record``: a forensic event (a hook's ENFORCE), which no lease decision reads.

Each may also append the operation's journal row to the verdict chain. Texts are the
client's, encoded as the general path encodes them, with markers where the server's numbers
go (fence, times, seqs, the event's digest) and, for a release, the lease's lane and run id;
the function puts them in and hashes, so every byte equals what the general path writes.
A value the server cannot encode exactly as the client does (anything but printable ASCII,
or longer than the journal keeps) sends the operation to the general path before any write.

Locks, always in this order: the workspace lock *shared* (the general path holds it
exclusively, so it never runs beside these), then for a grant the lanes its quiet grant
names (so two grants that could matter to each other take turns), then the tail lock, held
from the fence, event seq and journal head being read to commit, so the log and the chain
still commit in order. The functions live in the workspace schema, are created with it (or
on first use), and carry a version in their names, so a changed body never meets an older caller.
"""

from __future__ import annotations

from dos.kernel.jsonc import dumps
from dos.store.journal_rows import GENESIS, LIMITS
from dos.store.live import encode_data, lease_to_row
from dos.store.schema import NOTIFY_CHANNEL

TYPE_CHECKING = False  # a hook's deny imports this module: no typing at run time
if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence
from dos.store.schema import LEASE_COLUMNS, PG_NOW

GRANT = "dos_grant_v3"  # v3: the quiet shapes as one jsonb set (v2 took four arrays)
RELEASE = "dos_release_v2"
CHAIN = "dos_chain_v2"
RECORD = "dos_record_v1"
GRANT_DURABLE = f"{GRANT}_durable"  # procedures: the same operations, committed visible first (below)
RELEASE_DURABLE = f"{RELEASE}_durable"
NAMES = (GRANT, RELEASE, CHAIN, RECORD, GRANT_DURABLE, RELEASE_DURABLE)
LOCK_NAMESPACE = 0x444F53  # "DOS": the first key of every advisory lock we take; the workspace lock's
LANE_NAMESPACE = 0x444F4C  # and these two beside it
TAIL_NAMESPACE = 0x444F45
SERVER_MADE = {"fence": "f", "acquired_ms": "t", "heartbeat_ms": "t"}  # lease columns the function fills
NOW = PG_NOW  # the server clock, as CLOCK_SQL reads it
JOURNAL = ("syscall", "verdict", "run_id", "session", "lane", "subject", "detail", "source")  # j_cols, in order

# Markers: strings no agent text can hold (a value with \x01 in it sends the operation to the general path).
MARK = {"acquired_ms": "\x01A", "expires_ms": "\x01E", "fence": "\x01F", "heartbeat_ms": "\x01H",
        "ts": "\x01T", "seq": "\x01S", "event_seq": "\x01Q", "event_hash": "\x01X", "lane": "\x01L",
        "run_id": "\x01R", "data": "\x01D"}
ONCE = {k: dumps(v) for k, v in MARK.items()}  # as a JSON value:               "\u0001F"
TWICE = {k: dumps(dumps(v))[1:-1] for k, v in MARK.items()}  # inside a JSON string in JSON: \"\\u0001F\"
_COLS = ", ".join(LEASE_COLUMNS)
_VALUES = ", ".join(SERVER_MADE.get(c, f"p_{c}") for c in LEASE_COLUMNS)
_ASCII = "'^[ -~]*$'"


def lock_key(schema: str) -> int:
    """The second advisory-lock key for SCHEMA: a stable signed 32-bit hash."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(schema.encode(), digest_size=4).digest(), "big", signed=True)


def _lit(text: str) -> str:
    """TEXT as an SQL escape-string literal: the same bytes whatever standard_conforming_strings says."""
    body = "".join(f"\\{ord(c):03o}" if ord(c) < 32 else "\\\\" if c == "\\" else "\\'" if c == "'" else c
                   for c in text)
    return f"E'{body}'"


def _fill(expr: str, pairs: Sequence[tuple[str, str]]) -> str:
    """EXPR with each marker text replaced by the SQL value after it."""
    for mark, value in pairs:
        expr = f"replace({expr}, {_lit(mark)}, ({value})::text)"
    return expr


_NUMBERS = (("acquired_ms", "t"), ("expires_ms", "t + p_ttl_ms"), ("fence", "f"), ("heartbeat_ms", "t"))
_DATA = _fill("p_data", [(ONCE[k], v) for k, v in _NUMBERS])
_GRANT_EVENT = _fill("j_event", [(ONCE["ts"], "t"), *((TWICE[k], v) for k, v in _NUMBERS)])
_GRANT_BODY = _fill("j_body", [(ONCE["ts"], "t"), (ONCE["event_seq"], "s"), (ONCE["event_hash"], "'\"' || eh || '\"'"),
                               (TWICE["fence"], "f")])
_RELEASE_DATA = """'{"fence":' || r.fence || ',"loop_ts":' || coalesce(to_json(r.loop_ts)::text, 'null') || '}'"""
_RELEASE_EVENT = _fill("j_event", [(ONCE["ts"], "t"), (ONCE["lane"], "to_json(r.lane)"),
                                   (ONCE["data"], "to_json(d)")])
_RELEASE_BODY = _fill("j_body", [(ONCE["ts"], "t"), (ONCE["event_seq"], "s"), (ONCE["event_hash"], "'\"' || eh || '\"'"),
                                 (TWICE["fence"], "r.fence"), (ONCE["lane"], "to_json(r.lane)"),
                                 (ONCE["run_id"], "to_json(r.run_id)")])
_SEP = "\x1f"  # between a shape's four columns; no quiet shape holds it (``shape_set``)
_SHAPE_KEY = " || E'\\037' || ".join(f"l.{c}" for c in ("lane", "lane_kind", "tree", "mode"))
_HASH = "encode(sha256(convert_to({}, 'UTF8')), 'hex')"
_ROW_HASH = _HASH.format("prev || E'\\n' || body")  # row_hash: sha256 of prev, a newline, the body

_GRANT_ARGS = """
        k1 integer, k2 integer, p_now bigint, k_lanes integer[], p_shapes jsonb,
        p_lease_id text, p_lane text, p_lane_kind text, p_tree text, p_holder text, p_ttl_ms bigint, p_mode text,
        p_session text, p_host_id text, p_pid bigint, p_pid_start bigint, p_run_id text, p_loop_ts text,
        p_reason text, p_data text, j_cols text[], j_body text, j_event text"""
_RELEASE_ARGS = """
        k1 integer, k2 integer, p_now bigint, p_lease_id text, p_holder text, p_host_id text, p_reason text,
        j_cols text[], j_body text, j_event text, n_cols text[], n_body text"""

FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION {CHAIN}(
        p_ts bigint, j_cols text[], j_body text, p_event_seq bigint, p_event_hash text) RETURNS void
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE hs bigint; hh text; s bigint := 0; prev text := '{GENESIS}'; body text;
    BEGIN  -- the journal row J_COLS after the chain's head (dos.store.journal_rows.append_rows)
        SELECT seq, hash INTO hs, hh FROM verdicts ORDER BY seq DESC LIMIT 1;
        IF FOUND THEN s := hs; prev := hh; END IF;
        SELECT seq, head INTO hs, hh FROM verdict_checkpoints ORDER BY seq DESC LIMIT 1;
        IF FOUND AND hs > s THEN s := hs; prev := hh; END IF;
        s := s + 1;
        body := replace(j_body, {_lit(ONCE["seq"])}, s::text);
        INSERT INTO verdicts (seq, ts_ms, syscall, verdict, run_id, session, lane, subject, detail, source,
                              event_seq, event_hash, prev, hash)
            VALUES (s, p_ts, j_cols[1], j_cols[2], j_cols[3], j_cols[4], j_cols[5], j_cols[6], j_cols[7], j_cols[8],
                    p_event_seq, coalesce(p_event_hash, ''), prev, {_ROW_HASH});
    END $fn$""",
    f"""CREATE OR REPLACE FUNCTION {GRANT}({_GRANT_ARGS}) RETURNS bigint[]
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE t bigint; f bigint; s bigint; k integer; eh text; cols text[];
    BEGIN
        PERFORM pg_advisory_xact_lock_shared(k1, k2);
        FOREACH k IN ARRAY k_lanes LOOP
            PERFORM pg_advisory_xact_lock({LANE_NAMESPACE}, k);
        END LOOP;
        IF EXISTS (SELECT 1 FROM leases l WHERE NOT coalesce(p_shapes ? ({_SHAPE_KEY}), false)) THEN
            RETURN NULL;  -- a lease the quiet grant does not know about: the arbiter decides
        END IF;
        PERFORM pg_advisory_xact_lock({TAIL_NAMESPACE}, k2);
        t := coalesce(p_now, {NOW});
        f := nextval('fence_seq');
        INSERT INTO leases ({_COLS}) VALUES ({_VALUES});
        INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data)
            VALUES (t, 'ACQUIRE', p_lane, p_lease_id, p_holder, p_host_id, p_reason, {_DATA})
            RETURNING seq INTO s;
        IF j_body IS NOT NULL THEN
            eh := {_HASH.format(_GRANT_EVENT)};
            cols := j_cols;
            cols[7] := replace(cols[7], {_lit(ONCE["fence"])}, f::text);
            PERFORM {CHAIN}(t, cols, {_GRANT_BODY}, s, eh);
        END IF;
        PERFORM pg_notify('{NOTIFY_CHANNEL}', current_schema());
        RETURN ARRAY[t, f, s];
    END $fn$""",
    f"""CREATE OR REPLACE FUNCTION {RELEASE}({_RELEASE_ARGS}) RETURNS SETOF leases
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE r leases; t bigint; s bigint; d text; eh text; cols text[];
    BEGIN
        PERFORM pg_advisory_xact_lock_shared(k1, k2);
        SELECT * INTO r FROM leases WHERE lease_id = p_lease_id AND holder = p_holder FOR UPDATE;
        IF NOT FOUND THEN
            IF n_body IS NOT NULL THEN  -- journaled: "not held"
                PERFORM pg_advisory_xact_lock({TAIL_NAMESPACE}, k2);
                t := coalesce(p_now, {NOW});
                PERFORM {CHAIN}(t, n_cols, replace(n_body, {_lit(ONCE["ts"])}, t::text), NULL, '');
            END IF;
            RETURN;
        END IF;
        IF r.loop_ts IS NOT NULL AND r.loop_ts !~ {_ASCII} OR j_body IS NOT NULL AND (
                r.lane !~ {_ASCII} OR r.run_id !~ {_ASCII} OR length(r.lane) > {LIMITS["lane"]}
                OR length(r.run_id) > {LIMITS["run_id"]}) THEN
            r := NULL;  -- not encoded here exactly as the client would: the general path releases it
            RETURN NEXT r;
            RETURN;
        END IF;
        PERFORM pg_advisory_xact_lock({TAIL_NAMESPACE}, k2);
        t := coalesce(p_now, {NOW});
        d := {_RELEASE_DATA};
        INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data)
            VALUES (t, 'RELEASE', r.lane, r.lease_id, r.holder, p_host_id, p_reason, d) RETURNING seq INTO s;
        DELETE FROM leases WHERE lease_id = r.lease_id;
        IF j_body IS NOT NULL THEN
            eh := {_HASH.format(_RELEASE_EVENT)};
            cols := j_cols;
            cols[3] := CASE WHEN cols[3] = {_lit(MARK["run_id"])} THEN r.run_id ELSE cols[3] END;
            cols[5] := r.lane;
            cols[7] := replace(cols[7], {_lit(ONCE["fence"])}, r.fence::text);
            PERFORM {CHAIN}(t, cols, {_RELEASE_BODY}, s, eh);
        END IF;
        PERFORM pg_notify('{NOTIFY_CHANNEL}', current_schema());
        RETURN NEXT r;
    END $fn$""",
)

_RECORD_BODY = _fill("j_body", [(ONCE["ts"], "t"), (ONCE["event_seq"], "s"), (ONCE["event_hash"], "'\"' || eh || '\"'")])
FUNCTIONS += (
    f"""CREATE OR REPLACE FUNCTION {RECORD}(
        k1 integer, k2 integer, p_now bigint, p_op text, p_lane text, p_lease_id text, p_holder text,
        p_host_id text, p_reason text, p_data text, j_cols text[], j_body text, j_event text) RETURNS bigint[]
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $fn$
    DECLARE t bigint; s bigint; eh text;
    BEGIN  -- a forensic event (ENFORCE, ...) and its journal row: nothing a lease decision reads
        PERFORM pg_advisory_xact_lock_shared(k1, k2);
        PERFORM pg_advisory_xact_lock({TAIL_NAMESPACE}, k2);
        t := coalesce(p_now, {NOW});
        INSERT INTO events (ts_ms, op, lane, lease_id, holder, host_id, reason, data)
            VALUES (t, p_op, p_lane, p_lease_id, p_holder, p_host_id, p_reason, p_data) RETURNING seq INTO s;
        IF j_body IS NOT NULL THEN
            eh := {_HASH.format(_fill("j_event", [(ONCE["ts"], "t")]))};
            PERFORM {CHAIN}(t, j_cols, {_RECORD_BODY}, s, eh);
        END IF;
        PERFORM pg_notify('{NOTIFY_CHANNEL}', current_schema());
        RETURN ARRAY[t, s];
    END $fn$""",
)

# Visible first in one round trip (docs/fleet.md, "Flushes come after the locks"): a procedure runs the
# function in a transaction that does not wait for its flush and commits it, so its locks go at once,
# then commits DURABLE_MESSAGE at the session's own level, and only then answers. A transaction that
# wrote nothing (a grant left to the arbiter) has nothing to flush. A procedure may commit only when
# it has no SET clause (so it names the schema in full) and is CALLed outside a transaction block.
DURABLE_MESSAGE = "pg_logical_emit_message(true, 'dos.durable', '')"


def _arg_names(args: str) -> str:
    return ", ".join(arg.split()[0] for arg in args.split(","))


def procedures(schema: str, message_oid: int) -> tuple[str, ...]:
    """The visible-first procedures of SCHEMA (a checked name: ``postgres.schema_for``); MESSAGE_OID: the
    message function's (``MESSAGE_OID``; by number, its privilege costs a fifth of asking by name)."""
    q = f'"{schema}"'
    # A role that lost EXECUTE on the message since the client's probe is refused before anything is
    # written, never after the commit: the client then takes the general path, which cannot double a write.
    head = f"""IF NOT pg_catalog.has_function_privilege({int(message_oid)}::oid, 'EXECUTE') THEN
            RAISE insufficient_privilege USING MESSAGE = 'may not write the flush message';
        END IF;
        PERFORM pg_catalog.set_config('synchronous_commit', 'off', true);  -- for this transaction alone"""
    flush = f"""IF pg_catalog.txid_current_if_assigned() IS NOT NULL THEN  -- it wrote
            COMMIT;  -- visible, its locks released; then a flush that covers its commit record
            PERFORM pg_catalog.{DURABLE_MESSAGE};
        END IF;"""
    return (
        f"""CREATE OR REPLACE PROCEDURE {q}.{GRANT_DURABLE}(INOUT o_result bigint[], {_GRANT_ARGS})
    LANGUAGE plpgsql AS $fn$
    BEGIN
        {head}
        o_result := {q}.{GRANT}({_arg_names(_GRANT_ARGS)});
        {flush}
    END $fn$""",
        f"""CREATE OR REPLACE PROCEDURE {q}.{RELEASE_DURABLE}(INOUT o_found boolean, INOUT o_lease jsonb, {_RELEASE_ARGS})
    LANGUAGE plpgsql AS $fn$
    DECLARE r {q}.leases;
    BEGIN
        {head}
        SELECT * INTO r FROM {q}.{RELEASE}({_arg_names(_RELEASE_ARGS)});
        o_found := FOUND;  -- no row: nothing to release; a row of NULLs: the general path releases it
        IF r.lease_id IS NOT NULL THEN
            o_lease := to_jsonb(r);
        END IF;
        {flush}
    END $fn$""",
    )


MESSAGE_OID = "SELECT 'pg_catalog.pg_logical_emit_message(boolean, text, text)'::regprocedure::oid"


def ddl(schema: str, message_oid: int) -> tuple[str, ...]:
    """Every function and procedure of SCHEMA's one-statement operations, in the order they are created."""
    return (*FUNCTIONS, *procedures(schema, message_oid))


GRANT_CALL = f"SELECT {GRANT}(%s, %s, %s, %s, %s::jsonb, {', '.join('%s' for _ in range(18))})"
GRANT_DURABLE_CALL = f"CALL {GRANT_DURABLE}(NULL, %s, %s, %s, %s, %s::jsonb, {', '.join('%s' for _ in range(18))})"
RELEASE_CALL = f"SELECT {_COLS} FROM {RELEASE}({', '.join('%s' for _ in range(12))})"
RELEASE_DURABLE_CALL = f"CALL {RELEASE_DURABLE}(NULL, NULL, {', '.join('%s' for _ in range(12))})"


def released_rows(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """RELEASE_DURABLE_CALL's answer as RELEASE_CALL's rows: none, one of NULLs, or the lease's columns."""
    found, lease = rows[0]
    if not found:
        return []
    return [tuple(None if lease is None else lease[c] for c in LEASE_COLUMNS)]


INSTALLED = ("SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
             "WHERE n.nspname = %s AND p.proname = ANY(%s)")


def shape_set(shapes: Sequence[tuple[str, str, Sequence[str], str]]) -> str | None:
    """The quiet shapes as the function's jsonb set: one key per shape, its four lease columns as the store
    writes them (the tree encoded) joined by \\x1f, so the server tests each lease in the view with one
    lookup however many lanes there are. None when a column holds \\x1f or NUL (the general path decides)."""
    from dos.kernel.lease import Lease
    from dos.kernel.tree import LockMode

    at = [LEASE_COLUMNS.index(c) for c in ("lane", "lane_kind", "tree", "mode")]
    keys = []
    for lane, kind, tree, mode in sorted(shapes):
        row = lease_to_row(Lease("", 0, lane, kind, tuple(tree), "", 0, 0, 1, mode=LockMode(mode)))
        cols = [str(row[i]) for i in at]
        if any(_SEP in c or "\0" in c for c in cols):
            return None
        keys.append(_SEP.join(cols))
    return dumps(dict.fromkeys(keys, 1))


def lane_keys(schema: str, lanes: Sequence[str]) -> list[int]:
    """The advisory-lock keys of LANES (case-folded names) in SCHEMA, sorted (every grant locks in this order)."""
    import hashlib

    keys = {int.from_bytes(hashlib.blake2b(f"{schema}\0{lane}".encode(), digest_size=4).digest(), "big", signed=True)
            for lane in lanes}
    return sorted(keys)


def _exact(text: str, once: Sequence[str] = (), twice: Sequence[str] = ()) -> bool:
    """TEXT holds each named marker exactly once (as a JSON value, or inside a JSON string) and no other \\x01."""
    rest = text
    for mark in (*(ONCE[k] for k in once), *(TWICE[k] for k in twice)):
        if rest.count(mark) != 1:
            return False
        rest = rest.replace(mark, "")
    return "u0001" not in rest


def grant_payload(lease: Any) -> str | None:
    """LEASE's ACQUIRE payload with markers for the numbers the server makes; None if a value of the
    lease's own could be mistaken for a marker (then the general path writes it)."""
    body = lease.to_dict()
    body.update({k: MARK[k] for k in ("acquired_ms", "expires_ms", "fence", "heartbeat_ms")})
    text = encode_data({"lease": body})
    return text if _exact(text, ("acquired_ms", "expires_ms", "fence", "heartbeat_ms")) else None


def grant_params(lease: Any) -> list[Any]:
    """The lease's own columns, in the function's order (fence and times are the server's)."""
    row = dict(zip(LEASE_COLUMNS, lease_to_row(lease)))
    return [row[c] for c in LEASE_COLUMNS if c not in SERVER_MADE]


def _event(op: str, lane: str, lease_id: str, holder: str, host_id: str, reason: str, data: str) -> str:
    """The event's values as ``dos.store.journal_rows.event_hash`` encodes them, the time a marker."""
    return dumps([MARK["ts"], op, lane, lease_id, holder, host_id, reason, data], separators=(",", ":"))


def _body(row: Mapping[str, Any], linked: bool) -> str:
    """ROW's chained content as ``dos.store.journal_rows.row_hash`` encodes it, seq and time markers."""
    content = [MARK["seq"], MARK["ts"], *(row[c] for c in JOURNAL),
               MARK["event_seq"] if linked else None, MARK["event_hash"] if linked else ""]
    return dumps(content, separators=(",", ":"))


def journal_grant(row: Mapping[str, Any] | None, lease: Any, reason: str, payload: str) -> tuple[Any, Any, Any] | bool:
    """(cols, body, event) for the ACQUIRE journal ROW (made for LEASE with its fence a marker), (None,
    None, None) for no journal, False when its texts cannot be sent with markers."""
    if row is None:
        return None, None, None
    cols = [row[c] for c in JOURNAL]
    event = _event("ACQUIRE", lease.lane, lease.lease_id, lease.holder, lease.host_id, reason, payload)
    body = _body(row, True)
    if not (_exact(cols[6], ("fence",)) and _exact(event, ("ts",), ("acquired_ms", "expires_ms", "fence", "heartbeat_ms"))
            and _exact(body, ("seq", "ts", "event_seq", "event_hash"), ("fence",))
            and not any("\x01" in str(c) for i, c in enumerate(cols) if i != 6)):
        return False
    return cols, body, event


def journal_release(found: Mapping[str, Any] | None, missing: Mapping[str, Any] | None, *, lease_id: str,
                    holder: str, host_id: str, reason: str) -> tuple[Any, ...] | bool:
    """(cols, body, event, cols, body) for the RELEASE journal rows: FOUND (made for a lease whose lane,
    run id and fence are markers) and MISSING (nothing to release); Nones for no journal; False when
    their texts cannot be sent with markers."""
    if found is None or missing is None:
        return None, None, None, None, None
    cols = [found[c] for c in JOURNAL]
    body = _body(found, True)
    event = _event("RELEASE", MARK["lane"], lease_id, holder, host_id, reason, MARK["data"])
    n_cols = [missing[c] for c in JOURNAL]
    n_body = _body(missing, False)
    run = ("run_id",) if cols[2] == MARK["run_id"] else ()
    if not (cols[4] == MARK["lane"] and _exact(cols[6], ("fence",)) and _exact(event, ("ts", "lane", "data"))
            and _exact(body, ("seq", "ts", "event_seq", "event_hash", "lane", *run), ("fence",))
            and _exact(n_body, ("seq", "ts")) and not any("\x01" in str(c) for c in n_cols)
            and not any("\x01" in str(c) for i, c in enumerate(cols) if i not in (4, 6) and not (i == 2 and run))):
        return False
    return cols, body, event, n_cols, n_body


def journal_record(row: Mapping[str, Any] | None, values: Sequence[Any]) -> tuple[Any, Any, Any] | bool:
    """(cols, body, event) for the journal ROW of the forensic event VALUES (``event_values``; its time
    is the server's), (None, None, None) for no journal, False when its texts cannot carry markers."""
    if row is None:
        return None, None, None
    cols = [row[c] for c in JOURNAL]
    event = _event(*(str(v) for v in values[1:]))
    body = _body(row, True)
    if not (_exact(event, ("ts",)) and _exact(body, ("seq", "ts", "event_seq", "event_hash"))
            and not any("\x01" in str(c) for c in cols)):
        return False
    return cols, body, event
