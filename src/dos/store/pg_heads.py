"""The leases a hook's paths can reach, read through an index on each lease's first path segments.

SQLite publishes the live set in one file per first segment (``dos.store.snapshot``); on
PostgreSQL the same cut is an expression index. ``HEADS(tree)`` names, for each entry of a
lease's stored tree, its case-folded first segment ``a``, or its first two ``a/b`` and ``a/*``
(there is one under ``a``), or ``''`` (reaches anywhere) for an entry it cannot read that
plainly: a tree with any escape in its JSON (non-ASCII, quotes, backslashes), a segment that is
not plain ASCII, ``..`` anywhere, a blank entry or none. So it may call a lease wide that is
not (the hook reads one lease more), never the reverse: the kernel's region of an entry it
names starts with those segments (``dos.kernel.tree.region``), a property that
``tests/store_pg/test_pg_heads.py`` checks against the kernel. A hook asks for the rows whose
heads meet its paths' (``heads_param``); a GIN index answers that without reading the other
leases, so the hook's cost does not grow with them.

Created with the schema and the one-statement functions (``dos.store.pg_fast``); a schema from
before them gets them from the first hook that reads through them, and a role that may not
create them reads the whole view, as before.
"""

from __future__ import annotations

from dos.store.live import LEASE_SELECT

NAME = "dos_lease_heads_v1"
_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"  # not lower(): that follows the locale
_SEG = "[0-9A-Za-z_-][0-9A-Za-z_.-]*"  # a plain segment: never '.' or '..', nothing the kernel rewrites


def _fold(expr: str) -> str:
    return f"translate({expr}, '{_UPPER}', '{_LOWER}')"


DDL = (
    f"""CREATE OR REPLACE FUNCTION {NAME}(tree text) RETURNS text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$  -- plpgsql keeps its plans (an SQL body is planned per INSERT)
    DECLARE out text[] := '{{}}'; e text; one text; two text;
    BEGIN  -- no backslash anywhere here: the same whatever standard_conforming_strings says
        IF tree IS NULL OR tree = '[]' OR strpos(tree, chr(92)) > 0 OR tree !~ '^[[]"[^"]*"(, "[^"]*")*[]]$' THEN
            RETURN ARRAY[''];  -- no entry, an escape, or not the store's encoding: may reach anywhere
        END IF;
        FOREACH e IN ARRAY string_to_array(substr(tree, 3, length(tree) - 4), '", "') LOOP
            IF strpos(e, '..') > 0 OR e !~ '^{_SEG}/' THEN
                out := array_append(out, ''::text);
                CONTINUE;
            END IF;
            one := {_fold("split_part(e, '/', 1)")};
            IF e ~ '^{_SEG}/{_SEG}/' THEN
                two := {_fold("split_part(e, '/', 2)")};
                out := out || ARRAY[one || '/' || two, one || '/*'];
            ELSE
                out := array_append(out, one);
            END IF;
        END LOOP;
        RETURN CASE WHEN cardinality(out) = 0 THEN ARRAY[''] ELSE out END;  -- blanks only: reaches anywhere
    END $fn$""",
    # No pending list: a lease is inserted and deleted once per pair, and the list's merges (at 4 MB, or
    # when a vacuum comes) would stall the grant that meets them; after 250,000 pairs the index held
    # 0.34 MB instead of 2.8 MB.
    f"CREATE INDEX IF NOT EXISTS leases_heads_v1 ON leases USING gin ({NAME}(tree)) WITH (fastupdate = off)",
)
SELECT = f"{LEASE_SELECT} WHERE {NAME}(tree) && ?::text[] ORDER BY fence"


def heads_param(regions: list[tuple[tuple[str, ...], bool]]) -> list[str]:
    """The query's keys for the judged paths' REGIONS (``dos.store.snapshot.keys``: case-folded segments,
    partial): '' (the leases that reach anywhere), each first segment (the leases anywhere under it), and
    its first two segments, or ``first/*`` (every lease under the first) when a region is shallower."""
    out = {""}
    for segs, partial in regions:
        out.add(segs[0])
        deep = len(segs) > 2 or len(segs) == 2 and not partial
        out.add(f"{segs[0]}/{segs[1]}" if deep else f"{segs[0]}/*")
    return sorted(out)
