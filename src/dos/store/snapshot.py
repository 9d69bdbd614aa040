"""The live set published beside a SQLite store, so a hook can judge without loading SQLite.

Layout, beside ``<store>``:

- ``<store>.live.json``: the marker, holding the *wide* leases (a universal, empty or invalid
  tree, or one that ends inside its first segment like ``doc*``: they may reach any path).
  Readers trust the files below only while it reads as this layout's version.
- ``<store>.live/h-<head>.json``: one file per first path segment (case-folded, encoded so
  that it is a safe, case-proof file name) with the leases whose regions start there. A
  head whose name would be too long goes to the wide leases instead. No file: no lease.
- ``<store>.live/index.json``: for writers only, a digest of every head file, so a write
  rewrites only the heads it changed. It is removed before a head file changes and written
  after; a missing index (or marker) makes the next write rebuild every file.
- ``<store>.claims.json``: session -> claimed phase, apart, for the stop hook.

A hook reads the marker, then only the files for the heads of the paths it judges: its cost
does not grow with the leases under other heads.

Every Store transaction that changes leases or claims publishes while it holds the write
lock, from the view it sees, before it commits. A transaction that removes a lease publishes
the lease still in place and republishes under the lock after its commit. So a published
file is never missing a lease or claim the store has: a crash or a failed commit leaves
extra entries (spurious denies), never fewer (a write let through). A head file that cannot
be written keeps its old content and the marker is removed (readers go to the store, the
next write rebuilds); a marker that cannot be written is removed; one that cannot be removed
aborts the write. Readers read the marker first: a head file read after it is at least as
complete as the store was when the marker was read. Cheap to import: only ``jsonc``.
"""

from __future__ import annotations

import os

from dos.kernel.jsonc import JSONError, dumps, loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping

    from dos.kernel.lease import Lease

VERSION = 2  # 1 was a single file with every lease; its readers go to the store on this one
SUFFIX = ".live.json"
DIR_SUFFIX = ".live"
CLAIMS_SUFFIX = ".claims.json"  # apart, so a stop reads a few sessions' claims, not every lease
INTENTS_SUFFIX = ".intents.json"  # the sessions with an intent ledger: a stop of any other skips the ledger
INDEX = "index.json"
MAX_NAME = 200  # bytes of a head file's name; a longer head is published with the wide leases
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
_JSON = {"sort_keys": True, "separators": (",", ":")}


def path_for(store_path: str) -> str:
    return store_path + SUFFIX


def dir_for(store_path: str) -> str:
    return store_path + DIR_SUFFIX


def claims_path_for(store_path: str) -> str:
    return store_path + CLAIMS_SUFFIX


def intents_path_for(store_path: str) -> str:
    return store_path + INTENTS_SUFFIX


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


def head_file(h: str) -> str | None:
    """The file name for head H: lower-case ASCII letters, digits and ``-_.`` kept, every other
    byte of its UTF-8 as ``%XX``; None when too long (such a head is published as wide)."""
    out = ["h-"]
    for ch in h:
        if ch in _SAFE:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    out.append(".json")
    name = "".join(out)
    return name if len(name) <= MAX_NAME else None


def _is_head_file(name: str) -> bool:
    return name.startswith("h-") and name.endswith(".json")


# ---------------------------------------------------------------------- writing


def encode(leases: Iterable[Lease]) -> tuple[str, dict[str, str]]:
    """The marker's text (the wide leases) and head file name -> text."""
    wide: list[dict[str, Any]] = []
    by_name: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for lease in leases:
        row = lease.to_dict()
        found = head(lease.tree)
        names = None if found is None else [(h, head_file(h)) for h in dict.fromkeys(found)]
        if names is None or any(n is None for _, n in names):
            wide.append(row)
            continue
        for h, name in names:
            by_name.setdefault(name, (h, []))[1].append(row)  # type: ignore[arg-type]
    marker = dumps({"version": VERSION, "wide": wide}, **_JSON)
    files = {name: dumps({"version": VERSION, "head": h, "leases": rows}, **_JSON)
             for name, (h, rows) in by_name.items()}
    return marker, files


def encode_claims(claims: Mapping[str, tuple[str, str]]) -> str:
    return dumps({"version": VERSION, "claims": {k: list(v) for k, v in claims.items()}}, **_JSON)


def publish(store_path: str, leases: Iterable[Lease], claims: Mapping[str, tuple[str, str]]) -> None:
    """Replace the live set and the claims beside STORE_PATH (under the store's write lock).

    Raises OSError when the marker or the claims can neither be replaced nor removed (a
    removed one sends readers to the store itself)."""
    from dos.files import read_text

    _publish_live(store_path, leases)
    path, text = claims_path_for(store_path), encode_claims(claims)
    if read_text(path) != text and not _write(path, text):  # a read costs a tenth of a replace
        _remove(path)


def _publish_live(store_path: str, leases: Iterable[Lease]) -> None:
    try:
        _publish_files(store_path, leases)
    except FileNotFoundError:  # a store created beside us cleared the directory: readers go to the store
        _remove(path_for(store_path))


def _publish_files(store_path: str, leases: Iterable[Lease]) -> None:
    marker_path, directory = path_for(store_path), dir_for(store_path)
    marker, files = encode(leases)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        _remove(marker_path)  # no head files can be published: readers go to the store
        return
    index_path = os.path.join(directory, INDEX)
    old_marker = _read_marker(marker_path)
    index = _read_index(index_path) if old_marker is not None else None
    if index is None:  # first publish, an older layout, or a write that failed or crashed: rebuild
        index = _on_disk(directory)
    digests = {name: _digest(text) for name, text in files.items()}
    changed = [name for name, d in digests.items() if index.get(name) != d]
    gone = [name for name in index if name not in files]
    if changed or gone or not os.path.isfile(index_path):
        _remove(index_path)  # from here until it is written again, the next writer rebuilds
        for name in changed:
            if not _write(os.path.join(directory, name), files[name]):
                _remove(marker_path)  # the old head file stays (never fewer); readers go to the store
                return
        complete = True
        for name in gone:  # every lease in them is gone from the store (or was never committed)
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                pass
            except OSError:
                complete = False  # extra leases stay; the missing index makes the next write retry
        if complete:
            _write(index_path, dumps({"version": VERSION, "files": digests}, **_JSON))
    if marker != old_marker and not _write(marker_path, marker):
        _remove(marker_path)


def _digest(text: str) -> str:
    from hashlib import blake2b

    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _on_disk(directory: str) -> dict[str, str | None]:
    """Every head file in DIRECTORY with an unknown digest (so each is rewritten or removed);
    leftover temporary files are removed."""
    out: dict[str, str | None] = {}
    for name in os.listdir(directory):
        if _is_head_file(name):
            out[name] = None
        elif name.endswith(".tmp"):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:
                pass
    return out


def _read_marker(path: str) -> str | None:
    from dos.files import read_text

    text = read_text(path)
    if text is None:
        return None
    try:
        data = loads(text)
    except JSONError:
        return None
    return text if isinstance(data, dict) and data.get("version") == VERSION else None


def _read_index(path: str) -> dict[str, str | None] | None:
    from dos.files import read_text

    text = read_text(path)
    if text is None:
        return None
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        return {str(k): str(v) for k, v in data["files"].items()}
    except (JSONError, KeyError, TypeError, AttributeError):
        return None


def _write(path: str, text: str) -> bool:
    """Replace PATH with TEXT atomically; False (and PATH as it was) if that failed. Its directory
    is never created here: a directory that went away sends readers to the store."""
    from dos.files import replace_text

    return replace_text(path, text, errors="surrogatepass", make_dirs=False)


def _remove(path: str) -> None:
    """Remove PATH; raise OSError if something is there that cannot be removed."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def remove_published(store_path: str) -> None:
    """Remove everything published beside STORE_PATH (a store moved aside left it); the marker first."""
    _remove(path_for(store_path))
    _remove(claims_path_for(store_path))
    _remove(intents_path_for(store_path))
    directory = dir_for(store_path)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return
    except NotADirectoryError:
        _remove(directory)
        return
    for name in names:
        _remove(os.path.join(directory, name))
    try:
        os.rmdir(directory)
    except OSError:
        pass  # a racer published into it again


def intent_sessions(tx: Any) -> list[str] | None:
    """The sessions that own an intent ledger, as TX sees them (None: the store cannot say)."""
    try:
        rows = tx.execute("SELECT DISTINCT session FROM intent_runs WHERE session <> '' ORDER BY session")
    except Exception:  # noqa: BLE001 - a store from before the ledger's tables: readers go to the store
        return None
    return [str(r[0]) for r in rows]


def publish_intents(store_path: str, sessions: list[str] | None) -> None:
    """Replace the intent sessions beside STORE_PATH (under the write lock, before the commit, so the
    file never lacks a session the store has); with SESSIONS None, remove it so readers ask the store.
    Raises OSError if the file can neither be replaced nor removed."""
    path = intents_path_for(store_path)
    if sessions is None or not _write(path, dumps({"version": VERSION, "sessions": sessions}, **_JSON)):
        _remove(path)


# ---------------------------------------------------------------------- reading


def read_intent_sessions(store_path: str) -> frozenset[str] | None:
    """The sessions published as owning an intent ledger, or None (missing, torn, foreign: ask the store)."""
    from dos.files import read_text

    text = read_text(intents_path_for(store_path))
    if text is None:
        return None
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data["sessions"], list):
            return None
        return frozenset(str(x) for x in data["sessions"])
    except (JSONError, KeyError, TypeError, ValueError):
        return None


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
    """The live set whose marker is at PATH (``<store>.live.json``) as ``{"leases": [Lease...]}``, or None.

    With HEADS (first path segments, case-folded) only the wide leases and the files of those
    heads are read; without, every head file. None (a missing, torn or foreign file, another
    version) sends the reader to the store itself.
    """
    from dos.files import read_text

    text = read_text(path)  # first: what it promises holds for every head file read after it
    if text is None:
        return None
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        rows = list(data["wide"])
    except (JSONError, KeyError, TypeError):
        return None
    directory = path[: -len(".json")] if path.endswith(".json") else path + DIR_SUFFIX
    if heads is None:
        try:
            wanted = [(None, n) for n in sorted(os.listdir(directory)) if _is_head_file(n)]
        except OSError:
            return None
    else:
        wanted = [(h, head_file(h)) for h in dict.fromkeys(heads)]
    for h, name in wanted:
        if name is None:
            continue  # too long for a file: its leases are among the wide ones
        got = _read_head(directory, name, h)
        if got is None:
            return None
        rows += got
    from dos.kernel.lease import Lease

    try:
        leases = [Lease.from_dict(row) for row in rows]
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError):
        return None
    seen: set[str] = set()
    unique = []
    for lease in leases:  # a lease whose tree spans several heads is in each of their files
        if lease.lease_id not in seen:
            seen.add(lease.lease_id)
            unique.append(lease)
    return {"leases": unique}


def _read_head(directory: str, name: str, h: str | None) -> list[Any] | None:
    """The lease rows of head file NAME ([] when there is none), or None when it cannot be trusted."""
    from dos.files import read_text

    path = os.path.join(directory, name)
    text = read_text(path)
    if text is None:
        if os.path.lexists(path) or not os.path.isdir(directory):
            return None  # there but unreadable, or no directory at all: ask the store
        return []
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        if (h is not None and data["head"] != h) or (h is None and head_file(data["head"]) != name):
            return None
        rows = data["leases"]
        return rows if isinstance(rows, list) else None
    except (JSONError, KeyError, TypeError):
        return None
