"""Remembered facts: write one with its evidence, and re-check it against the files and git now.

The store is a directory of ``NAME.md`` files (default ``<root>/.dos/memory``; ``--store DIR``
names another, such as a host's own memory directory). The format is in docs/memory.md;
the verdict is ``dos.kernel.memory``. Every recall is journaled as ``memory_recall``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from dos.errors import GitError, UsageError, WorkspaceError
from dos.kernel import memory as km
from dos.service.context import Context

DEFAULT_DIR = ("memory",)  # under the workspace's .dos/
MAX_FILE = 1 << 20  # a memory file larger than 1 MiB is not a memory


def store_dir(ctx: Context, store: str = "") -> Path:
    """The memory directory: STORE (relative to the workspace root) or ``.dos/memory``."""
    if store:
        given = Path(os.path.expanduser(store))
        return given if given.is_absolute() else ctx.root / given
    return ctx.workspace.state_dir.joinpath(*DEFAULT_DIR)


def _check_name(name: str) -> None:
    if not km.valid_name(name):
        raise UsageError(f"{name!r} is not a memory name (a letter or digit, then letters, digits, '.', '_' "
                         f"or '-'; at most 128)")


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise UsageError(f"memory file {path} is {size} bytes; the limit is {MAX_FILE}")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"memory file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read memory file {path}: {exc.strerror}") from None


def _files(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == ".md" and p.is_file())
    except FileNotFoundError:
        return []
    except NotADirectoryError:
        raise UsageError(f"memory store {directory} is not a directory") from None
    except OSError as exc:
        raise UsageError(f"cannot list memory store {directory}: {exc.strerror}") from None


def find(ctx: Context, name: str, store: str = "") -> tuple[Path, km.MemoryDoc]:
    """The file and parsed memory called NAME (its file stem, or its frontmatter ``name``)."""
    directory = store_dir(ctx, store)
    direct = directory / f"{name}.md"
    if direct.is_file():
        return direct, _parse(direct)
    for path in _files(directory):
        doc = _parse(path, quiet=True)
        if doc is not None and doc.name == name:
            return path, doc
    raise UsageError(f"no memory named {name!r} in {directory} (see 'dos memory verify' for the list)")


def _parse(path: Path, *, quiet: bool = False) -> Any:
    try:
        return km.parse(_read(path), fallback_name=path.stem)
    except km.MemoryFormatError as exc:
        if quiet:
            return None
        raise UsageError(f"memory file {path}: {exc}") from None


# --------------------------------------------------------------------------- gathering evidence


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _inside(ctx: Context, rel: str) -> Path | None:
    """ROOT/REL resolved through symlinks, or None when it leaves the workspace."""
    root = ctx.root.resolve()
    full = (root / rel).resolve()
    try:
        full.relative_to(root)
    except ValueError:
        return None
    return full


def check_file(ctx: Context, ev: km.Evidence) -> km.Claim:
    full = _inside(ctx, ev.target)
    if full is None:
        return km.file_claim(ev.target, ev.digest, None, problem=f"{ev.target} is outside the workspace")
    if not full.exists():
        return km.file_claim(ev.target, ev.digest, None)
    if not full.is_file():
        return km.file_claim(ev.target, ev.digest, "not-a-file")
    try:
        return km.file_claim(ev.target, ev.digest, _digest(full))
    except OSError as exc:
        return km.file_claim(ev.target, ev.digest, None, problem=f"{ev.target} cannot be read ({exc.strerror})")


def check_commit(ctx: Context, ev: km.Evidence, head: str | None) -> km.Claim:
    from dos import git

    if head is None:
        return km.commit_claim(ev.target, exists=None, reachable=None)
    try:
        out = git.run_git(ctx.root, ["cat-file", "-t", ev.target], check=False).strip()
    except GitError:
        return km.commit_claim(ev.target, exists=None, reachable=None)
    if out != "commit":
        return km.commit_claim(ev.target, exists=False, reachable=False)
    return km.commit_claim(ev.target, exists=True, reachable=git.is_ancestor(ctx.root, ev.target, head))


def _head(ctx: Context) -> str | None:
    from dos import git

    try:
        return git.head_sha(ctx.root) if git.is_repo(ctx.root) else None
    except GitError:
        return None


def judge_doc(ctx: Context, doc: km.MemoryDoc, path: Path, *, head: Any = ...) -> km.Recall:
    if head is ...:
        head = _head(ctx) if any(e.kind == "commit" for e in doc.evidence) else None
    claims = [check_file(ctx, e) if e.kind == "file" else check_commit(ctx, e, head) for e in doc.evidence]
    return km.judge(doc.name, claims, type=doc.type, remembered=doc.remembered, path=str(path))


def recall(ctx: Context, name: str, store: str = "") -> km.Recall:
    """The verdict on memory NAME: is its evidence what it was when it was remembered?"""
    from dos.service import journal

    _check_name(name)
    path, doc = find(ctx, name, store)
    verdict = judge_doc(ctx, doc, path)
    journal.record(ctx, "memory_recall", verdict, subject=name)
    return verdict


def verify(ctx: Context, store: str = "") -> km.Sweep:
    """Every memory in the store, re-checked; a file that does not parse is UNVERIFIABLE, not skipped."""
    from dos.service import journal

    directory = store_dir(ctx, store)
    head: Any = ...
    out = []
    for path in _files(directory):
        try:
            doc = km.parse(_read(path), fallback_name=path.stem)
        except (km.MemoryFormatError, UsageError) as exc:
            out.append(km.Recall(path.stem, km.UNVERIFIABLE, f"the file does not parse: {exc}", path=str(path)))
            continue
        if head is ... and any(e.kind == "commit" for e in doc.evidence):
            head = _head(ctx)
        out.append(judge_doc(ctx, doc, path, head=None if head is ... else head))
    verdict = km.sweep(out, store=str(directory))
    journal.record(ctx, "memory_verify", verdict, subject=str(directory))
    return verdict


# --------------------------------------------------------------------------- remembering


@dataclass(frozen=True)
class Remembered:
    """``memory remember``: the fact written, where, and the evidence it was pinned to."""

    memory: str
    path: str
    evidence: tuple[km.Evidence, ...]
    replaced: bool
    token: str = "REMEMBERED"

    @property
    def reason(self) -> str:
        verb = "replaced" if self.replaced else "remembered"
        return f"{verb} '{self.memory}' with {len(self.evidence)} piece(s) of evidence in {self.path}"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.token, "reason": self.reason, "memory": self.memory, "path": self.path,
                "replaced": self.replaced,
                "evidence": [{"kind": e.kind, "target": e.target, "digest": e.digest} for e in self.evidence]}


def _file_evidence(ctx: Context, rel: str) -> km.Evidence:
    full = _inside(ctx, rel)
    if full is None:
        raise WorkspaceError(f"--file {rel!r} is outside the workspace {ctx.root}")
    if not full.is_file():
        raise UsageError(f"--file {rel!r} is not a file in {ctx.root}")
    try:
        digest = _digest(full)
    except OSError as exc:
        raise UsageError(f"--file {rel!r} cannot be read: {exc.strerror}") from None
    return km.Evidence("file", full.relative_to(ctx.root.resolve()).as_posix(), digest)


def _commit_evidence(ctx: Context, ref: str) -> km.Evidence:
    from dos import git

    if not git.is_repo(ctx.root):
        raise GitError(f"--commit {ref!r}: {ctx.root} is not a git repository")
    sha = git.resolve_ref(ctx.root, ref)
    return km.Evidence("commit", sha, sha)


def remember(ctx: Context, name: str, *, files: Sequence[str] = (), commits: Sequence[str] = (), text: str = "",
             type: str = "project", description: str = "", store: str = "",  # noqa: A002
             replace: bool = False) -> Remembered:
    """Write memory NAME backed by FILES (pinned to their SHA-256 now) and COMMITS (resolved to ids)."""
    from dos.service import home, journal
    from dos.service.journal import iso

    _check_name(name)
    if not files and not commits:
        raise UsageError("a memory needs evidence: give --file PATH or --commit REF (repeatable)")
    if type and not km.valid_name(type):
        raise UsageError(f"--type {type!r} is not a word (letters, digits, '.', '_' or '-')")
    evidence = [_file_evidence(ctx, f) for f in files] + [_commit_evidence(ctx, c) for c in commits]
    seen: set[tuple[str, str]] = set()
    unique = tuple(e for e in evidence if (e.kind, e.target) not in seen and not seen.add((e.kind, e.target)))
    directory = store_dir(ctx, store)
    path = directory / f"{name}.md"
    existed = path.exists()
    if existed and not replace:
        raise UsageError(f"memory {name!r} already exists ({path}); use --replace to overwrite it")
    doc = km.MemoryDoc(name, type or "project", " ".join(description.split()), iso(ctx.now_ms()), unique, text)
    default = not store
    try:
        if default:
            ctx.workspace.ensure_state_dir()
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(km.render(doc), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise WorkspaceError(f"cannot write memory {path}: {exc.strerror}") from None
    if default:
        home.register(ctx.root)
    out = Remembered(name, str(path), unique, existed)
    journal.record(ctx, "memory_remember", out, subject=name)
    return out
