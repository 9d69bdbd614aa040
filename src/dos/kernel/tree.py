"""The tree algebra: canonical regions of the file tree and whether two of them collide.

A lane's tree is a list of glob entries. Each entry is canonicalised (``\\`` to ``/``,
``./`` and a leading ``/`` stripped, ``..`` resolved, refused if it escapes the
workspace), then cut at its first glob metacharacter. What is left is a ``Region``:
a path prefix that is either whole segments (``src/api`` covers ``src/api`` and
everything under it) or ends inside a segment (``docs/ui-`` from ``docs/ui-*``).
Comparison is case-insensitive, so it errs toward collision. An empty tree means an
unknown blast radius and collides with everything.
"""

from __future__ import annotations

from dos.kernel.record import Choice, Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Sequence

GLOB_METACHARACTERS = frozenset("*?[{")


class PathEscapesWorkspace(ValueError):
    """A tree entry or path resolves outside the workspace root."""


class Region(Record):
    """A canonical region: PREFIX; PARTIAL when the prefix ends inside a path segment."""

    __slots__ = ("prefix", "partial")
    _defaults = {"partial": False}

    @property
    def universal(self) -> bool:
        return self.prefix == ""

    def collides(self, other: Region) -> bool:
        """True if some path could lie in both regions."""
        return _collide(self, other)

    def contains_path(self, path: str) -> bool:
        """True if the workspace-relative PATH lies in this region."""
        p = canonical_path(path).casefold()
        return p.startswith(self.prefix) if self.partial else _under(p, self.prefix)


def _under(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


def _collide(a: Region, b: Region) -> bool:
    if a.universal or b.universal:
        return True
    p, q = a.prefix, b.prefix
    if a.partial and b.partial:
        return p.startswith(q) or q.startswith(p)
    if not a.partial and not b.partial:
        return _under(p, q) or _under(q, p)
    if b.partial:  # make p the name prefix and q the whole-segment path
        p, q = q, p
    return q.startswith(p) or p.startswith(q + "/")


def canonical_path(entry: str) -> str:
    """Canonicalise a workspace-relative path: ``\\``->``/``, drop ``./``/leading ``/``, resolve ``..``.

    Raises PathEscapesWorkspace if ``..`` climbs above the root.
    """
    text = entry.strip().replace("\\", "/")
    parts: list[str] = []
    for seg in text.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if not parts:
                raise PathEscapesWorkspace(f"path {entry!r} escapes the workspace")
            parts.pop()
            continue
        parts.append(seg)
    return "/".join(parts)


def region(entry: str) -> Region:
    """The Region a single tree entry (a glob or a path) names."""
    raw = entry.strip().replace("\\", "/")
    cut = next((i for i, ch in enumerate(raw) if ch in GLOB_METACHARACTERS), None)
    if cut is None:
        return Region(canonical_path(raw).casefold(), False)
    head, _, tail = raw[:cut].rpartition("/")
    # `tail` is the part of the glob's segment before the metacharacter.
    base = canonical_path(head) if head else ""
    if tail in ("", ".") or tail == "..":
        if tail == "..":
            base = canonical_path(f"{head}/..") if head else canonical_path("..")
        return Region(base.casefold(), False)
    joined = f"{base}/{tail}" if base else tail
    return Region(joined.casefold(), True)


def regions(tree: Iterable[str]) -> tuple[Region, ...]:
    """The regions of a tree, blank entries dropped. An empty result means unknown radius."""
    return tuple(region(e) for e in tree if e and e.strip())


def trees_collide(a: Sequence[str], b: Sequence[str]) -> bool:
    """True if trees A and B may share a path. An empty tree collides with everything."""
    ra, rb = regions(a), regions(b)
    if not ra or not rb:
        return True
    return any(x.collides(y) for x in ra for y in rb)


def trees_disjoint(a: Sequence[str], b: Sequence[str]) -> bool:
    """True only when trees A and B provably share no path."""
    return not trees_collide(a, b)


def tree_contains(tree: Sequence[str], path: str) -> bool:
    """True if the workspace-relative PATH lies inside TREE. An empty tree contains nothing."""
    return any(r.contains_path(path) for r in regions(tree))


class LockMode(Choice, values=("shared", "exclusive")):
    """How a lease holds its region: many SHARED holders may coexist; EXCLUSIVE stands alone."""


def modes_compatible(a: LockMode, b: LockMode) -> bool:
    """Only shared/shared coexist."""
    return a == "shared" and b == "shared"


def region_conflict(tree_a: Sequence[str], mode_a: LockMode, tree_b: Sequence[str], mode_b: LockMode) -> bool:
    """True if two holders may not coexist: their trees collide and their modes are incompatible."""
    return trees_collide(tree_a, tree_b) and not modes_compatible(mode_a, mode_b)
