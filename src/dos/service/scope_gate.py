"""The scope gate: gather a write set and its lease claims, ask the kernel, record the verdict.

A write set is ``--file`` paths, the staged files, or the net diff of a range
(``git diff BASE...HEAD``, renames split into both paths). Lease claims come from the
``DOS-Lease`` trailers of the range's commits, or (for a staged or given write set)
from ``--lease`` or the lease this process is bound to (``$DOS_LEASE_ID``, else the live
leases of ``$CID_RUN_ID``/``$DISPATCH_RUN_ID`` or ``$DOS_SESSION_ID``). Fences are judged
against the store's log and live set; a git failure is an error, never an empty diff.
The git hooks (``prepare-commit-msg``, ``pre-commit``, ``pre-push``) run through here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from dos import git
from dos.errors import GitError, InputError, UsageError
from dos.kernel import fence as fences
from dos.kernel.fence import TRAILER_KEY, FenceCheck, History, LeaseClaim
from dos.kernel.lease import Lease, Op
from dos.kernel.scope import (
    UNIVERSAL_TREE,
    GateVerdict,
    ScopeEvidence,
    ScopePolicy,
    ScopeVerdict,
    normalize_files,
)
from dos.kernel.scope import classify as classify_scope
from dos.kernel.scope import gate as gate_scope
from dos.service import journal
from dos.service.context import Context

ZERO_SHA = re.compile(r"0{40}(0{24})?")
_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")
_GRANT_OPS = (Op.ACQUIRE, Op.RECONCILE, Op.ADOPT, Op.CHECKPOINT, Op.RELEASE, Op.SCAVENGE)
BINDING_ENV = ("DOS_LEASE_ID", "CID_RUN_ID", "DISPATCH_RUN_ID", "DOS_SESSION_ID", "CLAUDE_SESSION_ID")


@dataclass(frozen=True)
class WriteSet:
    """The files a write touches and, for a range, its commits with their trailer values."""

    files: tuple[str, ...]
    source: str  # "file", "staged", "range", "push"
    commits: tuple[tuple[str, tuple[str, ...]], ...] = ()


# --------------------------------------------------------------------------- gathering


def _top(root: Path) -> tuple[Path, str]:
    """The git top level of ROOT and ROOT's prefix inside it (GitError outside a repository)."""
    top = git.run_git(root, ["rev-parse", "--show-toplevel"]).strip()
    if not top:
        raise GitError(f"{root} is not inside a git work tree")
    prefix = git.run_git(root, ["rev-parse", "--show-prefix"]).strip()
    return Path(top), prefix


def _relative(paths: Iterable[str], prefix: str) -> list[str]:
    """Top-level-relative git paths as workspace-relative ones (outside the workspace: ``../``...)."""
    if not prefix:
        return list(paths)
    depth = prefix.rstrip("/").count("/") + 1
    out = []
    for p in paths:
        out.append(p[len(prefix):] if p.startswith(prefix) else "../" * depth + p)
    return out


def _names(out: str) -> list[str]:
    return [p for p in out.split("\0") if p]


def given_files(root: Path, files: Sequence[str]) -> list[str]:
    """``--file`` values: absolute paths made workspace-relative (outside the root they climb out with ``..``)."""
    out = []
    for f in files:
        if "\0" in f:
            raise UsageError("--file: a path may not contain a NUL byte")
        if os.path.isabs(f):
            f = os.path.relpath(f, root)
        out.append(f)
    return out


def staged_files(root: Path) -> list[str]:
    _, prefix = _top(root)
    out = git.run_git(root, ["diff", "--cached", "--name-only", "-z", "--no-renames"])
    return _relative(_names(out), prefix)


def staged_from_names(root: Path, raw: bytes) -> WriteSet:
    """The staged write set from ``git diff --cached --name-only -z`` output a hook produced itself
    (so the temporary index of ``git commit -a`` / ``git commit PATH`` is the one read)."""
    _, prefix = _top(root)
    names = [n.decode("utf-8", "surrogateescape") for n in raw.split(b"\0") if n]
    return WriteSet(tuple(_relative(names, prefix)), "staged")


def range_write_set(root: Path, base: str, head: str) -> WriteSet:
    """The net diff BASE...HEAD (from their merge base) and the commits BASE..HEAD with their trailers."""
    b, h = git.resolve_ref(root, base), git.resolve_ref(root, head)
    _, prefix = _top(root)
    mb = git.run_git(root, ["merge-base", b, h], check=False).strip()
    if not mb:
        raise GitError(f"{base!r} and {head!r} share no history (no merge base): name a base the branch grew from")
    files = _names(git.run_git(root, ["diff", "--name-only", "-z", "--no-renames", mb, h]))
    return WriteSet(tuple(_relative(files, prefix)), "range", tuple(commit_trailers(root, [f"{b}..{h}"])))


def commit_trailers(root: Path, revs: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Each commit REVS selects, newest first, with its ``DOS-Lease`` trailer values.

    REVS are built here from resolved ids (and ``--not --remotes=R``), never raw user text.
    """
    fmt = f"--format=%H%x00%(trailers:key={TRAILER_KEY},valueonly,separator=%x1f)%x1e"
    out = []
    for rec in git.stream_records(root, ["log", fmt, *revs]):
        sha, _, values = rec.decode("utf-8", "replace").strip("\n").partition("\0")
        if sha:
            out.append((sha, tuple(v.strip() for v in values.split("\x1f") if v.strip())))
    return out


def push_write_set(root: Path, remote: str, lines: Iterable[str]) -> WriteSet:
    """What a ``git push`` sends (the pre-push hook's stdin): its new commits and the files they touch."""
    _, prefix = _top(root)
    groups: list[list[str]] = []  # one rev-list per pushed ref, so each "--not" stays with its own ref
    for line in lines:
        parts = line.split()
        if len(parts) != 4:
            continue
        _local_ref, local_sha, _remote_ref, remote_sha = parts
        if not (_SHA.fullmatch(local_sha) and _SHA.fullmatch(remote_sha)):
            raise InputError(f"pre-push: unreadable line {line.strip()[:120]!r} on stdin")
        if ZERO_SHA.fullmatch(local_sha):
            continue  # a deletion sends nothing
        if ZERO_SHA.fullmatch(remote_sha):
            groups.append([local_sha, "--not", f"--remotes={remote}"] if remote else [local_sha])
        else:
            groups.append([local_sha, f"^{remote_sha}"])
    commits: list[tuple[str, tuple[str, ...]]] = []
    files: set[str] = set()
    for group in groups:
        commits += commit_trailers(root, group)
        if remote.startswith("-"):
            raise InputError(f"pre-push: remote name {remote[:80]!r} starts with '-'")
        out = git.run_git(root, ["log", "--no-renames", "--name-only", "-z", "--format=", *group])
        files.update(p.strip("\n") for p in _names(out) if p.strip("\n"))
    return WriteSet(tuple(sorted(_relative(files, prefix))), "push", tuple(commits))


# --------------------------------------------------------------------------- leases


def lease_history(ctx: Context) -> tuple[History, list[Lease]]:
    """The grants in the store's log and the live set (an absent store reads as empty)."""
    store = ctx.store
    return fences.history(store.events(ops=_GRANT_OPS)), store.live_leases()


def bound_claims(hist: History, live: Sequence[Lease], env: Mapping[str, str]) -> list[LeaseClaim]:
    """The leases this process writes under: ``$DOS_LEASE_ID`` (ids, comma or space separated, at their
    newest fence), else the live leases of its run id or session."""
    ids = [x for x in re.split(r"[,\s]+", env.get("DOS_LEASE_ID", "")) if x]
    if ids:
        return [LeaseClaim(i, hist.newest_fence(i) or 0, raw=i) for i in ids]
    run = env.get("CID_RUN_ID") or env.get("DISPATCH_RUN_ID") or ""
    session = env.get("DOS_SESSION_ID") or env.get("CLAUDE_SESSION_ID") or ""
    if not run and not session:
        return []
    mine = [x for x in live if (run and x.run_id == run) or (session and x.session == session)]
    return [LeaseClaim(x.lease_id, x.fence, raw=x.lease_id) for x in sorted(mine, key=lambda x: x.fence)]


def given_claims(specs: Sequence[str], hist: History) -> list[LeaseClaim]:
    """``--lease`` values: ``ID`` (its newest fence) or ``ID fence=N`` (the trailer's form)."""
    out = []
    for spec in specs:
        spec = spec.strip()
        if "fence=" in spec:
            out.append(fences.parse_claim(spec))
        elif re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}", spec):
            out.append(LeaseClaim(spec, hist.newest_fence(spec) or 0, raw=spec))
        else:
            raise UsageError(f"--lease {spec!r}: give a lease id, or '<lease_id> fence=<n>'")
    return out


# --------------------------------------------------------------------------- the verdicts


def lane_tree(ctx: Context, lane: str) -> tuple[str, tuple[str, ...]]:
    """LANE's declared spelling (aliases and case resolved) and its tree; () for an undeclared lane."""
    tax = _taxonomy(ctx)
    return tax.canonical(lane), tax.tree_for(lane)


def _taxonomy(ctx: Context):
    from dos.service.context import taxonomy

    return taxonomy(ctx.config)


def _claim_tree(checks: Sequence[FenceCheck]) -> tuple[str, tuple[str, ...]]:
    lanes = list(dict.fromkeys(c.lease.lane for c in checks if c.lease is not None))
    tree = tuple(dict.fromkeys(t for c in checks if c.lease is not None for t in c.lease.tree))
    return "+".join(lanes), tree


def gather(ctx: Context, *, files: Sequence[str] = (), staged: bool = False, base: str | None = None,
           head: str | None = None, push: tuple[str, Sequence[str]] | None = None) -> WriteSet:
    """The write set of exactly one source; none given is a usage error (never an empty diff)."""
    root = ctx.root
    chosen = [bool(files), staged, base is not None or head is not None, push is not None]
    if sum(chosen) > 1:
        raise UsageError("give one write set: --file, --staged, or --base/--head")
    if files:
        return WriteSet(tuple(given_files(root, files)), "file")
    if staged:
        return WriteSet(tuple(staged_files(root)), "staged")
    if push is not None:
        return push_write_set(root, push[0], push[1])
    if base is None and head is None:
        raise UsageError("name the write set: --file PATH, --staged, or --base REF [--head REF] "
                         "(e.g. --base origin/main)")
    return range_write_set(root, base or "HEAD", head or "HEAD")


def scope_gate(ctx: Context, ws: WriteSet, *, lane: str | None = None, leases: Sequence[str] = (),
               require_lease: bool = False, allow_released: bool = False, check_fences: bool = True,
               env: Mapping[str, str] | None = None, policy: ScopePolicy = ScopePolicy(),
               syscall: str = "scope-gate") -> GateVerdict:
    """Judge write set WS: every lease claim's fence, then whether the files stay in the lane's tree.

    LANE: judge against that lane's tree; None: against the trees of the claimed leases (or
    everything when there are none). LEASES: ``--lease`` claims for a staged or given write set.
    """
    env = os.environ if env is None else env
    if require_lease and not check_fences:
        raise UsageError("--require-lease needs the fence check; drop --skip-fences")
    if leases and ws.source in ("range", "push"):
        raise UsageError("--lease is for --file/--staged; a range's commits carry their own DOS-Lease trailers")
    claims: list[LeaseClaim] = []
    unfenced: list[str] = []
    hist, live = History(), []
    if ws.source in ("range", "push"):
        for sha, values in ws.commits:
            if not values:
                unfenced.append(sha)
            claims += [fences.parse_claim(v, sha) for v in values]
    bound = any(env.get(k) for k in BINDING_ENV)
    if check_fences and (claims or (ws.source in ("file", "staged") and (leases or bound or require_lease))):
        hist, live = lease_history(ctx)
        if ws.source in ("file", "staged"):
            claims = given_claims(leases, hist) if leases else bound_claims(hist, live, env)
            if require_lease and not claims:
                unfenced = ["(the write)"]
    tax = _taxonomy(ctx)
    checks = [fences.check(c, hist, live, tax, allow_released=allow_released)
              for c in claims] if check_fences else []
    if lane is not None:
        name, tree = lane_tree(ctx, lane)
        if not tree:
            name = lane
    else:
        name, tree = _claim_tree(checks)
        if not tree:
            name, tree = "", UNIVERSAL_TREE
    scope = classify_scope(ScopeEvidence(name, normalize_files(ws.files), tree), policy)
    verdict = gate_scope(scope, fences=checks, unfenced=unfenced, require_lease=require_lease, policy=policy)
    journal.record(ctx, syscall, verdict, lane=name, subject=ws.source,
                   run_id=env.get("CID_RUN_ID") or env.get("DISPATCH_RUN_ID") or "")
    return verdict


def scope(ctx: Context, ws: WriteSet, *, lane: str = "", policy: ScopePolicy = ScopePolicy()) -> ScopeVerdict:
    """The advisory twin: the scope verdict alone, no fences."""
    if lane:
        name, tree = lane_tree(ctx, lane)
        name = name if tree else lane
    else:
        name, tree = "", UNIVERSAL_TREE
    verdict = classify_scope(ScopeEvidence(name, normalize_files(ws.files), tree), policy)
    journal.record(ctx, "scope", verdict, lane=name, subject=ws.source)
    return verdict


# --------------------------------------------------------------------------- git hooks


def prepare_commit_msg(ctx: Context, msg_file: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Stamp the commit message in MSG_FILE with a ``DOS-Lease`` trailer per bound lease; the values written.

    Existing ``DOS-Lease`` lines are replaced, so an amend carries the current fence.
    """
    env = os.environ if env is None else env
    path = Path(msg_file)
    if not path.is_absolute():
        path = Path.cwd() / path
    hist, live = lease_history(ctx)
    claims = [c for c in bound_claims(hist, live, env) if c.fence]
    if not claims:
        return []
    try:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise InputError(f"cannot read the commit message {path}: {exc.strerror}") from None
    key = TRAILER_KEY.lower() + ":"
    kept = [line for line in text.splitlines(keepends=True) if not line.lower().startswith(key)]
    tmp = path.with_name(f"{path.name}.dos.{os.getpid()}.tmp")
    tmp.write_text("".join(kept), encoding="utf-8", errors="surrogateescape")
    os.replace(tmp, path)
    values = [fences.trailer_value(c.lease_id, c.fence or 0) for c in claims]
    args = ["interpret-trailers", "--in-place", "--if-exists", "addIfDifferent"]
    for v in values:
        args += ["--trailer", f"{TRAILER_KEY}: {v}"]
    git.run_git(ctx.root, [*args, str(path)])
    return values


def hook_lane(env: Mapping[str, str]) -> str | None:
    """The lane a hook judges against: ``$DOS_LANE``, else None (the claimed leases' trees)."""
    return env.get("DOS_LANE") or None


def hook_flags(env: Mapping[str, str]) -> dict[str, bool]:
    truthy = ("1", "true", "yes", "on")
    return {"require_lease": env.get("DOS_REQUIRE_LEASE", "").lower() in truthy,
            "allow_released": env.get("DOS_ALLOW_RELEASED", "").lower() in truthy}
