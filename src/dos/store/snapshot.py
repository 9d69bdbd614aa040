"""The live set published beside a SQLite store, so a hook can judge without loading SQLite.

Every Store transaction that changes leases or claims rewrites ``<store>.live.json`` while
it holds the write lock, from the view it sees, before it commits. A transaction that
removes a lease publishes the lease still in place and republishes under the lock after
its commit. So the file is never missing a lease or claim the store has: a crash or a
failed commit leaves extra entries (spurious denies), never fewer (a write let through).
A snapshot that cannot be written is removed; one that cannot be removed aborts the write.
Cheap to import: only ``jsonc``.
"""

from __future__ import annotations

import os

from dos.kernel.jsonc import JSONError, dumps, loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

    from dos.kernel.lease import Lease

VERSION = 1
SUFFIX = ".live.json"
CLAIMS_SUFFIX = ".claims.json"  # apart, so a stop reads a few sessions' claims, not every lease


def path_for(store_path: str) -> str:
    return store_path + SUFFIX


def claims_path_for(store_path: str) -> str:
    return store_path + CLAIMS_SUFFIX


def head(tree: Iterable[str]) -> list[str] | None:
    """The first path segments (case-folded) a tree's regions start with; None if one could reach anywhere.

    A region collides with a path only if both start with the same segment, unless the region is
    universal, empty, or ends inside its first segment (``doc*``): those go to every reader.
    """
    from dos.kernel.tree import PathEscapesWorkspace, regions

    try:
        found = regions(tuple(tree))
    except PathEscapesWorkspace:
        return None
    heads = []
    for r in found:
        if r.universal or (r.partial and "/" not in r.prefix):
            return None
        heads.append(r.prefix.split("/", 1)[0])
    return heads or None


def encode(leases: Iterable[Lease], claims: Mapping[str, tuple[str, str]]) -> str:
    rows, heads, wide = [], {}, []
    for i, lease in enumerate(leases):
        rows.append(lease.to_dict())
        found = head(lease.tree)
        if found is None:
            wide.append(i)
        for h in dict.fromkeys(found or ()):
            heads.setdefault(h, []).append(i)
    return dumps({"version": VERSION, "leases": rows, "heads": heads, "wide": wide}, sort_keys=True,
                 separators=(",", ":"))


def encode_claims(claims: Mapping[str, tuple[str, str]]) -> str:
    return dumps({"version": VERSION, "claims": {k: list(v) for k, v in claims.items()}}, sort_keys=True,
                 separators=(",", ":"))


def publish(store_path: str, leases: Iterable[Lease], claims: Mapping[str, tuple[str, str]]) -> None:
    """Replace the live set and the claims beside STORE_PATH; raise OSError if one can neither be
    replaced nor removed (a removed file sends readers to the store itself)."""
    _replace(path_for(store_path), encode(leases, claims))
    _replace(claims_path_for(store_path), encode_claims(claims))


def _replace(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError:
        for leftover in (tmp, path):
            try:
                os.unlink(leftover)
            except FileNotFoundError:
                pass


def read_claims(store_path: str) -> dict[str, tuple[str, str]] | None:
    """session -> (plan, phase) as published beside STORE_PATH, or None to read the store itself."""
    from dos.files import read_text

    text = read_text(claims_path_for(store_path))
    if text is None:
        return None
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        return {str(k): (str(v[0]), str(v[1])) for k, v in data["claims"].items()}
    except (JSONError, KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


def read(path: str, heads: Iterable[str] | None = None) -> dict[str, Any] | None:
    """The live set at PATH as ``{"leases": [Lease...]}``, or None.

    With HEADS (first path segments, case-folded) only the leases that may reach paths under
    them are built; None (missing, torn, another version) sends the reader to the store itself.
    """
    from dos.files import read_text

    text = read_text(path)
    if text is None:
        return None
    try:
        data = loads(text)
    except JSONError:
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    from dos.kernel.lease import Lease

    try:
        rows = data["leases"]
        if heads is not None:
            index = data["heads"]
            wanted = set(data["wide"])
            for h in heads:
                wanted.update(index.get(h, ()))
            rows = [rows[i] for i in sorted(wanted)]
        leases = [Lease.from_dict(row) for row in rows]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return None
    return {"leases": leases}
