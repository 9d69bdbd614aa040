"""The live set published beside a SQLite store, so a hook can judge without loading SQLite.

Layout, beside ``<store>``:

- ``<store>.live.json``: the marker, holding the *wide* leases (a universal, empty or invalid
  tree, or one that ends inside its first segment like ``doc*``: they may reach any path).
  Readers trust the files below only while it reads as this layout's version.
- ``<store>.live/h-<head>.json``: one file per first path segment (case-folded, encoded so
  that it is a safe, case-proof file name) with the leases whose regions start there. A
  head whose name would be too long goes to the wide leases instead. No file: no lease.
- A file that grows past ``SPLIT_AT`` leases is *split* by the next segment: the leases whose
  regions name that segment whole move to ``h-<head>+<segment>.json`` (split again in turn,
  down to ``MAX_DEPTH`` segments) and the file keeps the rest with a ``split`` token. A split
  file joins again once its subtree holds at most ``UNSPLIT_AT``. Children are written before
  the file that points to them, and removed only after it no longer does; a reader re-reads
  every split file it followed and starts over if a token changed.
- ``<store>.live/index.json``: for writers only, a digest of every head file and each split's
  token, so a write rewrites only the files it changed. It is removed before a head file
  changes and written after; a missing index (or marker) makes the next write rebuild every file.
- ``<store>.claims.json``: session -> claimed phase, apart, for the stop hook.

A hook reads the marker, then only the files on the way down to the paths it judges: its
cost does not grow with the leases under other heads, nor with those beside its path under a
crowded one (ten thousand leases under ``src/`` cost it three small files).

Every Store transaction that adds or changes leases, or changes claims, publishes while it
holds the write lock, from the view it sees, before it commits. One that only removes a lease
(a release) leaves the files as they are, which still hold it, and republishes under the lock
after its commit; one that removes some and adds others publishes both before and after. So a published
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

VERSION = 3  # 1: one file of every lease; 2: a file per head, never split. Their readers go to the store on this one
SUFFIX = ".live.json"
DIR_SUFFIX = ".live"
CLAIMS_SUFFIX = ".claims.json"  # apart, so a stop reads a few sessions' claims, not every lease
INTENTS_SUFFIX = ".intents.json"  # the sessions with an intent ledger: a stop of any other skips the ledger
INDEX = "index.json"
MAX_NAME = 200  # bytes of a head file's name; a longer head is published with the wide leases
SPLIT_AT = 128  # leases in one head file before it is split by the next segment
UNSPLIT_AT = 32  # a split file joins again once its subtree holds at most this many
MAX_DEPTH = 8  # segments of the deepest split file
MAX_TRIES = 3  # reads that met a split changing under them before the reader asks the store
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


def head_file(h: str) -> str | None:
    """The file name for head H (its segments, ``/``-joined): lower-case ASCII letters, digits and
    ``-_.`` kept, every other byte of its UTF-8 as ``%XX``, segments joined by ``+``; None when too
    long (such a head is published as wide, such a split's leases stay in its parent)."""
    out = ["h-"]
    for ch in h:
        if ch in _SAFE:
            out.append(ch)
        elif ch == "/":
            out.append("+")
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    out.append(".json")
    name = "".join(out)
    return name if len(name) <= MAX_NAME else None


def keys(tree: Iterable[str]) -> list[tuple[tuple[str, ...], bool]] | None:
    """Each region of TREE as (its case-folded segments, partial); None if one could reach anywhere."""
    from dos.kernel.tree import PathEscapesWorkspace, regions

    try:
        found = regions(tuple(tree))
    except PathEscapesWorkspace:
        return None
    out = []
    for r in found:
        if r.universal or (r.partial and "/" not in r.prefix):
            return None
        out.append((tuple(r.prefix.split("/")), r.partial))
    return out or None


def _below(segs: tuple[str, ...], partial: bool, depth: int) -> str | None:
    """The segment under a file DEPTH segments deep that holds a region (SEGS, PARTIAL), or None
    when the region is not inside one whole segment there (it stays in that file)."""
    if len(segs) > depth + 1 or (len(segs) == depth + 1 and not partial):
        return segs[depth]
    return None


def _is_head_file(name: str) -> bool:
    return name.startswith("h-") and name.endswith(".json")


# ---------------------------------------------------------------------- writing


_ENCODED: dict[int, tuple[Any, ...]] = {}  # id(lease) -> (lease, row, regions or None): the last publish's
_HEADS: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Any, ...]] = {}  # (head, its splits) -> its files


def encode(leases: Iterable[Lease], splits: Mapping[str, str] | None = None) -> tuple[str, dict[str, str], dict[str, str]]:
    """The marker's text (the wide leases), head file name -> text, and the splits (head -> token).

    SPLITS: the splits already published, kept while their subtree stays above ``UNSPLIT_AT``.
    A writer publishes after every operation, mostly with one lease changed: a lease's row and
    regions, and a head's files whose leases (the same objects, ``live.leases_from_rows``) and
    splits are unchanged, are taken from the last call instead of encoded again. Only the last
    call's are kept, so the memo never outgrows the live set.
    """
    global _ENCODED, _HEADS
    last_encoded, last_heads = _ENCODED, _HEADS
    encoded: dict[int, tuple[Any, ...]] = {}
    heads: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Any, ...]] = {}
    wide: list[dict[str, Any]] = []
    by_head: dict[str, list[tuple[tuple[str, ...], bool, dict[str, Any]]]] = {}
    members: dict[str, list[Lease]] = {}
    for lease in leases:
        got = last_encoded.get(id(lease))
        if got is None or got[0] is not lease:
            found = keys(lease.tree)
            if found is not None and any(head_file(segs[0]) is None for segs, _ in found):
                found = None
            got = (lease, lease.to_dict(), found)
        encoded[id(lease)] = got
        row, found = got[1], got[2]
        if found is None:
            wide.append(row)
            continue
        for segs, partial in found:
            by_head.setdefault(segs[0], []).append((segs, partial, row))
            members.setdefault(segs[0], []).append(lease)
    old_by_top: dict[str, list[tuple[str, str]]] = {}
    for name, token in (splits or {}).items():
        old_by_top.setdefault(name.split("/", 1)[0], []).append((name, token))
    files: dict[str, str] = {}
    split: dict[str, str] = {}
    for h, entries in by_head.items():
        old = tuple(sorted(old_by_top.get(h, ())))
        mine = members[h]
        memo = last_heads.get((h, old))
        if memo is None or len(memo[0]) != len(mine) or not all(a is b for a, b in zip(memo[0], mine)):
            sub_files: dict[str, str] = {}
            sub_split: dict[str, str] = {}
            _encode_node((h,), entries, dict(old), sub_files, sub_split)
            memo = (tuple(mine), sub_files, sub_split)
        if set(memo[2].values()) <= {t for _, t in old}:  # a new split's fresh token is never replayed
            heads[(h, old)] = memo
        files.update(memo[1])
        split.update(memo[2])
    _ENCODED, _HEADS = encoded, heads
    marker = dumps({"version": VERSION, "wide": wide}, **_JSON)
    return marker, files, split


def _encode_node(key: tuple[str, ...], entries: list[tuple[tuple[str, ...], bool, dict[str, Any]]],
                 old: Mapping[str, str], files: dict[str, str], split: dict[str, str]) -> None:
    head = "/".join(key)
    rows = _unique(e[2] for e in entries)
    was = old.get(head)
    if len(key) < MAX_DEPTH and (len(rows) > SPLIT_AT or (was is not None and len(rows) > UNSPLIT_AT)):
        children: dict[str, list[tuple[tuple[str, ...], bool, dict[str, Any]]]] = {}
        kept = []
        for e in entries:
            seg = _below(e[0], e[1], len(key))
            if seg is not None and head_file(f"{head}/{seg}") is not None:
                children.setdefault(seg, []).append(e)
            else:
                kept.append(e[2])
        if children:
            token = was or os.urandom(8).hex()
            split[head] = token
            for seg, sub in children.items():
                _encode_node((*key, seg), sub, old, files, split)
            files[head_file(head)] = dumps({"version": VERSION, "head": head, "leases": _unique(kept),  # type: ignore[index]
                                            "split": token}, **_JSON)
            return
    files[head_file(head)] = dumps({"version": VERSION, "head": head, "leases": rows}, **_JSON)  # type: ignore[index]


def _unique(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """ROWS with each lease once (a lease with two regions in one file is listed once)."""
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(str(row.get("lease_id")), row)
    return list(seen.values())


def encode_claims(claims: Mapping[str, tuple[str, str]]) -> str:
    return dumps({"version": VERSION, "claims": {k: list(v) for k, v in claims.items()}}, **_JSON)


def publish(store_path: str, leases: Iterable[Lease], claims: Mapping[str, tuple[str, str]] | None) -> None:
    """Replace the live set and (unless CLAIMS is None: unchanged) the claims beside STORE_PATH, under
    the store's write lock.

    Raises OSError when the marker or the claims can neither be replaced nor removed (a
    removed one sends readers to the store itself)."""
    from dos.files import read_text

    _publish_live(store_path, leases)
    if claims is None:
        return
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
    try:
        os.mkdir(directory)  # its parent holds the store: no need to walk the path as makedirs does
    except FileExistsError:
        if not os.path.isdir(directory):
            _remove(marker_path)  # no head files can be published: readers go to the store
            return
    except OSError:
        _remove(marker_path)
        return
    index_path = os.path.join(directory, INDEX)
    old_marker = _read_marker(marker_path)
    found = _read_index(index_path) if old_marker is not None else None
    if found is None:  # first publish, an older layout, or a write that failed or crashed: rebuild
        index, splits = _on_disk(directory), {}
    else:
        index, splits = found
    marker, files, split = encode(leases, splits)
    digests = _digests(files)
    # Deepest first: a split file is replaced only once every child it points to is in place.
    changed = sorted((name for name, d in digests.items() if index.get(name) != d), key=lambda n: -n.count("+"))
    gone = [name for name in index if name not in files]
    if changed or gone or split != splits or not os.path.isfile(index_path):
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
            _write(index_path, dumps({"version": VERSION, "files": digests, "split": split}, **_JSON))
    if marker != old_marker and not _write(marker_path, marker):
        _remove(marker_path)


_DIGESTS: dict[str, str] = {}  # the last publish's head files: text -> digest


def _digests(files: Mapping[str, str]) -> dict[str, str]:
    """Head file name -> digest of its text; a text the last publish had (mostly the very same string,
    its hash cached) is not hashed again, and only this publish's are kept."""
    global _DIGESTS
    last, now = _DIGESTS, {}
    out = {}
    for name, text in files.items():
        got = last.get(text)
        if got is None:
            got = _digest(text)
        now[text] = out[name] = got
    _DIGESTS = now
    return out


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


def _read_index(path: str) -> tuple[dict[str, str | None], dict[str, str]] | None:
    from dos.files import read_text

    text = read_text(path)
    if text is None:
        return None
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        return ({str(k): str(v) for k, v in data["files"].items()},
                {str(k): str(v) for k, v in data["split"].items()})
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


def read(path: str, wanted: Iterable[tuple[tuple[str, ...], bool]] | None = None) -> dict[str, Any] | None:
    """The live set whose marker is at PATH (``<store>.live.json``) as ``{"leases": [Lease...]}``, or None.

    WANTED (``keys`` of the paths judged): only the wide leases and the files on the way down
    to those regions are read; without, every file. None (a missing, torn or foreign file,
    another version, a split that kept changing) sends the reader to the store itself.
    """
    from dos.files import read_text

    text = read_text(path)  # first: what it promises holds for every head file read after it
    if text is None:
        return None
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        wide = list(data["wide"])
    except (JSONError, KeyError, TypeError):
        return None
    directory = path[: -len(".json")] if path.endswith(".json") else path + DIR_SUFFIX
    targets = None if wanted is None else list(wanted)
    for _ in range(MAX_TRIES):
        got = _gather(directory, targets)
        if got is None:
            return None
        rows, followed = got
        if all(_split_token(directory, name) == token for name, token in followed):
            return _leases(wide + rows)
    return None


def _gather(directory: str, targets: list[tuple[tuple[str, ...], bool]] | None
            ) -> tuple[list[Any], list[tuple[str, str]]] | None:
    """(rows, the split files followed with their tokens) for TARGETS (None: every file), or None."""
    rows: list[Any] = []
    followed: list[tuple[str, str]] = []
    if targets is None:
        try:
            names = sorted(n for n in os.listdir(directory) if _is_head_file(n) and "+" not in n)
        except OSError:
            return None
        for name in names:
            if not _walk(directory, name, None, (), False, rows, followed):
                return None
        return rows, followed
    seen: set[tuple[tuple[str, ...], bool]] = set()
    for segs, partial in targets:
        if (segs, partial) in seen:
            continue
        seen.add((segs, partial))
        name = head_file(segs[0])
        if name is not None and not _walk(directory, name, segs[0], segs, partial, rows, followed):
            return None
    return rows, followed


def _walk(directory: str, name: str, head: str | None, segs: tuple[str, ...], partial: bool,
          rows: list[Any], followed: list[tuple[str, str]]) -> bool:
    """Add the rows of head file NAME and, where it is split, of its children toward (SEGS, PARTIAL)
    (every child when the region is not inside one of them); False when a file cannot be trusted."""
    got = _read_head(directory, name, head)
    if got is None:
        return False
    found, token, key = got
    rows += found
    if token is None:
        return True
    followed.append((name, token))
    depth = key.count("/") + 1
    seg = _below(segs, partial, depth) if segs[:depth] == tuple(key.split("/")) else None
    if seg is not None:
        child = head_file(f"{key}/{seg}")
        return child is None or _walk(directory, child, f"{key}/{seg}", segs, partial, rows, followed)
    base = name[: -len(".json")] + "+"
    try:
        children = sorted(n for n in os.listdir(directory)
                          if n.startswith(base) and n.endswith(".json") and "+" not in n[len(base):])
    except OSError:
        return False
    return all(_walk(directory, child, None, (), False, rows, followed) for child in children)


def _leases(rows: list[Any]) -> dict[str, Any] | None:
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


def _read_head(directory: str, name: str, head: str | None) -> tuple[list[Any], str | None, str] | None:
    """(lease rows, split token or None, its head) of head file NAME (no rows when there is none),
    or None when it cannot be trusted. HEAD: the head it must be (None: the one its name says)."""
    from dos.files import read_text

    path = os.path.join(directory, name)
    text = read_text(path)
    if text is None:
        if os.path.lexists(path) or not os.path.isdir(directory):
            return None  # there but unreadable, or no directory at all: ask the store
        return [], None, head or ""
    try:
        data = loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return None
        found = data["head"]
        if not isinstance(found, str) or (found != head if head is not None else head_file(found) != name):
            return None
        rows, token = data["leases"], data.get("split")
        if not isinstance(rows, list) or not (token is None or isinstance(token, str)):
            return None
        return rows, token, found
    except (JSONError, KeyError, TypeError):
        return None


def _split_token(directory: str, name: str) -> str | None:
    """The split token head file NAME holds now (None: gone, joined again, or unreadable)."""
    got = _read_head(directory, name, None)
    return got[1] if got is not None else None
