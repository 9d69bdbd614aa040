"""The truth shell: gathers git evidence and asks the kernel for the verdict.

``verify`` runs the ladder: registry rows proven by git ancestry, then the stamp grammar
over one streaming ``git log`` (stopping at the first decisive stamp; weak text mentions
checked against the plan body), then the files a plan doc names for the phase. An open
soak holds any ship. ``interpret`` turns a verdict into a next-action hint.

``verify_lean`` is the same ladder for ``dos verify``'s start-up: it finds the workspace
with ``os.path``, reads the few keys of dos.toml the ladder needs from a compiled cache
(``.dos/cache/verify-config.json``, valid for exactly the text it was compiled from),
starts ``git log`` before it imports the kernel, and opens the service context only to
journal into a store that exists. Nothing here imports pathlib, typing or the config
package until a path needs them.
"""

from __future__ import annotations

import os

from dos import git

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Mapping

    from dos.config import Config
    from dos.kernel.verify import ShipVerdict
    from dos.service.context import Context

__all__ = ["verify", "verify_lean", "interpret", "commit_audit", "ShipVerdict", "state_path"]

DEFAULT_STATE = "dos.state.yaml"
SOAK_INDEX = ".dos/soaks/index.yaml"


def __getattr__(name: str) -> Any:
    """``ShipVerdict`` and ``interpret`` come from the kernel, loaded on first use."""
    if name in ("ShipVerdict", "interpret"):
        from dos.kernel import verify as kv

        return getattr(kv, name)
    raise AttributeError(f"module 'dos.service.truth' has no attribute {name!r}")


def interpret(v: ShipVerdict) -> str:
    """One line: what verdict V means for an agent's next action (``dos.kernel.verify.interpret``)."""
    from dos.kernel.verify import interpret as explain

    return explain(v)


class Budget:
    """One deadline shared by every git call a verdict makes (None: no limit)."""

    def __init__(self, timeout: float | None) -> None:
        import time

        self.deadline = None if timeout is None else time.monotonic() + timeout

    def left(self) -> float | None:
        if self.deadline is None:
            return None
        import time

        left = self.deadline - time.monotonic()
        if left <= 0:
            raise git.GitError("verify timed out before git answered")
        return left


def state_path(root: Path, cfg: Config) -> Path:
    return root / (cfg.paths.execution_state or DEFAULT_STATE)


def verify(ctx: Context, plan: str, phase: str, *, ref: str | None = None,
           timeout: float | None = None, journal: bool = True) -> ShipVerdict:
    """Did PLAN PHASE ship in the workspace's history at REF (default HEAD)? Never raises for a non-repo.

    The verdict is journaled unless JOURNAL is false (a screen re-rendering the same rows).
    """
    verdict = _verify(ctx.root, ctx.config, plan, phase, ref=ref, timeout=timeout)
    if journal:
        _record(ctx, verdict, ref)
    return verdict


def _record(ctx: Context, verdict: ShipVerdict, ref: str | None) -> None:
    from dos.service.journal import record

    record(ctx, "verify", verdict, subject=f"{verdict.plan}::{verdict.phase}", detail={"ref": ref or "HEAD"})


def _verify(root: Any, cfg: Any, plan: str, phase: str, *, ref: str | None, timeout: float | None) -> ShipVerdict:
    """The ladder in ROOT (a path, or its string) under CFG (a Config, or the lean one)."""
    plan, phase = plan.strip(), phase.strip()
    if not plan or not phase:
        from dos.kernel.verify import not_shipped

        return not_shipped(plan, phase, summary="an empty PLAN or PHASE names nothing that could have shipped")
    target = git.resolve_ref(root, ref) if ref else "HEAD"
    budget = Budget(timeout)
    hit = _registry_rung(root, cfg, plan, phase, target, budget)
    if hit is not None:
        return _soak_demotion(root, cfg, hit)
    try:
        verdict = _grep_rung(root, cfg, plan, phase, target, budget)
    except git.GitError:
        if ref or git.head_sha(root) is not None:
            raise
        from dos.kernel.verify import not_shipped

        return not_shipped(plan, phase)  # not a repository, or no commits yet
    if verdict.shipped:
        if verdict.rung not in ("", "direct", "file-path") and _may_have_docs(root, cfg):
            from dos.service.artifacts import plan_body_check

            verdict = plan_body_check(_path(root), cfg, verdict)
        if verdict.shipped:
            return _soak_demotion(root, cfg, verdict)
        return verdict
    if verdict.source == "reverted" or not _may_have_docs(root, cfg):
        return verdict
    from dos.service.artifacts import artifact_rung

    found = artifact_rung(_path(root), cfg, plan, phase, target, timeout=budget.left())
    return _soak_demotion(root, cfg, found) if found is not None else verdict


def _path(root: Any) -> Path:
    from pathlib import Path

    return root if isinstance(root, Path) else Path(root)


def _may_have_docs(root: Any, cfg: Any) -> bool:
    """False only when ``[paths] plans_glob`` cannot match: the directory before its first wildcard is missing.

    Spares the artifact rung (and pathlib) in a repository without plan docs; any other
    glob (absolute, empty, one that may match) goes to the rung, which decides as before.
    """
    glob = cfg.paths.plans_glob
    if not glob or glob.startswith(("/", "\\")) or "\\" in glob:
        return True
    literal = []
    for part in glob.split("/"):
        if any(c in part for c in "*?["):
            break
        literal.append(part)
    else:
        return True  # no wildcard at all: let the rung read that one file
    if not literal or ".." in literal:
        return True
    return os.path.isdir(os.path.join(str(root), *literal))


def _registry_rung(root: Any, cfg: Any, plan: str, phase: str, target: str,
                   budget: Budget) -> ShipVerdict | None:
    """A ``done`` registry row counts only if its commit exists and is an ancestor of TARGET."""
    rel = cfg.paths.execution_state or DEFAULT_STATE
    if not os.path.exists(os.path.join(str(root), rel)):
        return None
    from dos.kernel.registry import registry_candidates
    from dos.kernel.verify import ShipVerdict
    from dos.service.registry import completed_rows

    expected = None
    for row in registry_candidates(completed_rows(_path(root) / rel), plan, phase):
        if row.doc_path.strip():
            if expected is None:
                expected = _expected_doc(root, cfg, plan)
            if expected and not _same_doc(row.doc_path, expected):
                continue  # a row for a same-named phase of another plan doc
        if git.is_ancestor(root, row.commit_sha.strip(), target, timeout=budget.left()):
            return ShipVerdict(plan, phase, True, "registry", row.commit_sha.strip()[:12],
                               f"registry row {row.plan} {row.phase} done at {row.commit_sha.strip()[:12]}")
    return None


def _soak_demotion(root: Any, cfg: Any, v: ShipVerdict) -> ShipVerdict:
    """A ship whose soak is still in progress is not shipped yet (sha and rung kept)."""
    rel = cfg.paths.soaks_index or SOAK_INDEX
    if not os.path.exists(os.path.join(str(root), rel)):
        return v
    from dos.kernel.verify import not_shipped
    from dos.service.registry import open_soak

    soak = open_soak(_path(root) / rel, v.plan, v.phase)
    if not soak:
        return v
    return not_shipped(v.plan, v.phase, sha=v.sha, rung=v.rung,
                       summary=f"{v.summary} [demoted: soak {soak} is still in_progress in {rel}]")


def _expected_doc(root: Any, cfg: Any, plan: str) -> str:
    """The plan doc whose ``id:`` is PLAN ('' if none), for the registry collision guard."""
    from dos.kernel.plans import id_map
    from dos.service.artifacts import plan_docs

    ids = id_map(plan_docs(_path(root), cfg))
    return ids.get(plan) or ids.get(plan.upper()) or ""


def _same_doc(a: str, b: str) -> bool:
    na, nb = (p.strip().replace("\\", "/").lstrip("./") for p in (a, b))
    return na == nb or na.rsplit("/", 1)[-1] == nb.rsplit("/", 1)[-1]


def _grep_rung(root: Any, cfg: Any, plan: str, phase: str, target: str, budget: Budget) -> ShipVerdict:
    # git walks history while the kernel (and ``re``) load and the matcher compiles.
    timeout = budget.left()
    started = git.start_records(root, git.log_args(target))
    try:
        from dos.kernel.stamp import Convention, StampMatcher
        from dos.kernel.verify import Commit, GrepScan

        matcher = StampMatcher(plan, phase, Convention.of(cfg.stamp))
        scan = GrepScan(plan, phase, matcher)
    except BaseException:
        started.close()
        raise
    log = git.iter_log(root, target, timeout=timeout, keep=matcher.prefilter(), started=started)
    try:
        for sha, subject, body in log:
            cand = scan.feed(Commit(sha, subject, body))
            if cand is not None:
                scan.settle(cand, git.touched_files(root, sha, timeout=budget.left()))
                if scan.done:
                    break
    finally:
        log.close()
        started.close()
    return scan.verdict()


def commit_audit(ctx: Context, ref: str = "HEAD", *, docs_ok: bool = False,
                 timeout: float | None = None) -> Any:
    """Audit REF: one commit's AuditVerdict, or for a range ``A..B`` a Sweep (``.verdicts``, ``.to_dict()``).

    GitError (exit 2) when the ref or range cannot be read.
    """
    from dos.kernel.commit_audit import Sweep
    from dos.service.audit import safe_audit

    from dos.service.journal import record

    verdicts = safe_audit(ctx.root, ref, docs_ok=docs_ok, timeout=timeout)
    result = Sweep(tuple(verdicts)) if ".." in ref else verdicts[0]
    record(ctx, "commit-audit", result, subject=ref)
    return result


# --------------------------------------------------------------------------- the lean path


CONFIG_CACHE = os.path.join(".dos", "cache", "verify-config.json")
CACHE_VERSION = 1
STAMP_KEYS = ("subject_dirs", "summary_bundle_prefixes", "bookkeeping_prefixes", "code_dirs", "infra_basenames",
              "infra_doc_basenames", "progress_markers", "sub_phase_parent_fallback", "trailer_stamp")
# What ``compile_config(Config())`` gives: the built-in defaults (a test holds the two equal).
DEFAULTS: dict[str, Any] = {
    "stamp": {"subject_dirs": [], "summary_bundle_prefixes": [], "bookkeeping_prefixes": [], "code_dirs": [],
              "infra_basenames": [], "infra_doc_basenames": [], "progress_markers": [],
              "sub_phase_parent_fallback": False, "trailer_stamp": False},
    "paths": {"plans_glob": "docs/**/*-plan.md", "execution_state": "", "soaks_index": ""},
    "record": "auto", "store_url": "", "store_path": "",
}


class _Attrs:
    """Attributes from a mapping: the lean stand-in for a config table."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)


class LeanConfig:
    """The keys of dos.toml the verify ladder and its journal line read, as ``Config`` spells them."""

    __slots__ = ("stamp", "paths", "record", "store_url", "store_path")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.stamp = _Attrs({k: tuple(v) if isinstance(v, list) else v for k, v in data["stamp"].items()})
        self.paths = _Attrs(data["paths"])
        self.record, self.store_url, self.store_path = data["record"], data["store_url"], data["store_path"]


def compile_config(cfg: Config) -> dict[str, Any]:
    """What the lean path keeps of CFG (JSON-ready)."""
    st, paths = cfg.stamp, cfg.paths
    return {
        "stamp": {k: list(getattr(st, k)) if isinstance(getattr(st, k), tuple) else getattr(st, k)
                  for k in STAMP_KEYS},
        "paths": {"plans_glob": paths.plans_glob, "execution_state": paths.execution_state,
                  "soaks_index": paths.soaks_index},
        "record": cfg.observe.record, "store_url": cfg.store.url, "store_path": cfg.store.path,
    }


def lean_root(workspace: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The workspace root as ``dos.config.find_workspace`` finds it, with ``os.path`` only.

    None where only find_workspace may answer (a named workspace that is not a directory: its error).
    """
    env = os.environ if env is None else env
    here = os.path.realpath(os.getcwd())
    for value in (workspace, env.get("DISPATCH_WORKSPACE")):
        if value:
            root = os.path.realpath(os.path.join(here, os.path.expanduser(value)))
            return root if os.path.isdir(root) else None
    for marker, test in (("dos.toml", os.path.isfile), (".git", os.path.exists)):
        at = here
        while True:
            if test(os.path.join(at, marker)):
                return at
            parent = os.path.dirname(at)
            if parent == at:
                break
            at = parent
    return here


def lean_config(root: str) -> LeanConfig:
    """ROOT's dos.toml as the ladder reads it: the defaults without a file, else the compiled cache.

    A cache miss (or a file that cannot be read plainly) goes through the strict loader,
    which raises the ConfigError any verb would; the result is cached where ``.dos/`` exists.
    """
    toml = os.path.join(root, "dos.toml")
    try:
        with open(toml, "rb") as fh:
            text = fh.read().decode("utf-8")
    except FileNotFoundError:
        return LeanConfig(DEFAULTS)
    except (OSError, UnicodeDecodeError):
        text = None
    cache = os.path.join(root, CONFIG_CACHE)
    if text is not None:
        held = _read_cache(cache)
        if held is not None and held.get("text") == text:
            return LeanConfig(held["config"])
    from pathlib import Path

    from dos.config import load_config

    data = compile_config(load_config(Path(root)))
    if text is not None and os.path.isdir(os.path.join(root, ".dos")):
        _write_cache(cache, {"version": CACHE_VERSION, "text": text, "config": data})
    return LeanConfig(data)


def _read_cache(path: str) -> dict[str, Any] | None:
    from dos.kernel.jsonc import JSONError, loads

    try:
        with open(path, encoding="utf-8") as fh:
            held = loads(fh.read())
    except (OSError, UnicodeDecodeError, JSONError):
        return None
    if not isinstance(held, dict) or held.get("version") != CACHE_VERSION or not isinstance(held.get("config"), dict):
        return None
    try:
        LeanConfig(held["config"])
    except (KeyError, TypeError, AttributeError):
        return None
    return held


def _write_cache(path: str, blob: dict[str, Any]) -> None:
    """Best effort: a workspace that cannot be written to runs without the cache."""
    from dos.files import replace_text
    from dos.kernel.jsonc import dumps

    replace_text(path, dumps(blob, sort_keys=True))


def verify_lean(workspace: str | None, plan: str, phase: str, *, ref: str | None = None,
                timeout: float | None = None, env: Mapping[str, str] | None = None) -> ShipVerdict | None:
    """``verify`` in the workspace the CLI would find from WORKSPACE, on the lean path, journaled.

    None where only the full path can answer (a named workspace that is not a directory).
    """
    env = os.environ if env is None else env
    root = lean_root(workspace, env)
    if root is None:
        return None
    cfg = lean_config(root)
    verdict = _verify(root, cfg, plan, phase, ref=ref, timeout=timeout)
    if _journal_wanted(root, cfg, env):
        from dos.service.context import Context

        with Context.discover(workspace, env=env) as ctx:
            _record(ctx, verdict, ref)
    return verdict


def _journal_wanted(root: str, cfg: LeanConfig, env: Mapping[str, str]) -> bool:
    """Whether ``journal.record`` could write anything: not when recording is off, nor on ``auto``
    with no store to write to (it never creates one then)."""
    from dos.service.hook_journal import env_mode

    mode = env_mode(env) or cfg.record
    if mode == "off":
        return False
    if mode != "auto" or env.get("DOS_STORE_URL", "").strip() or cfg.store_url.strip():
        return True
    if cfg.store_path:
        given = os.path.expanduser(cfg.store_path)
        path = given if os.path.isabs(given) else os.path.join(root, given)
    else:
        path = os.path.join(root, ".dos", "store.sqlite3")
    return os.path.exists(path)
