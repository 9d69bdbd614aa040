"""Differential-test kit: identical workspaces for two CLIs, a runner, and JSON shape diffs.

A row's workspace is described declaratively (``Workspace``): git commits (subject, files,
body, or a revert of an earlier commit), a ``dos.toml`` text, plan docs, a
``dos.state.yaml``, other files, setup commands (leases and other records made through
EACH side's own CLI) and environment variables. The git part is built once per row in a
template directory with fixed dates and identity, so both sides see the same SHAs; each
side then runs in its own copy of the template with its own HOME.

Nothing here imports ``dos``: both implementations are only ever run as commands.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

# --------------------------------------------------------------------------- workspace


@dataclass(frozen=True)
class Commit:
    """One commit: SUBJECT (+ BODY) over FILES ({path: text}; None text deletes the path).

    ``revert=N`` makes it ``git revert`` of the N-th commit of the same workspace (0-based)
    instead; SUBJECT is then ignored (git writes "Revert ..." and "This reverts commit").
    """

    subject: str = ""
    files: Mapping[str, str | None] | None = None
    body: str = ""
    revert: int | None = None


@dataclass(frozen=True)
class Step:
    """A setup command run through the side's own CLI before the row (e.g. a lease)."""

    argv: tuple[str, ...]
    rc: int | tuple[int, ...] | None = 0      # accepted exit codes; None accepts any
    stdin: str | None = None
    only: str | None = None                   # "ours" / "ref": run on one side only


@dataclass(frozen=True)
class Workspace:
    commits: tuple[Commit, ...] = ()
    git: bool = True                          # False: a plain directory, no repository
    toml: str | None = None                   # dos.toml text (written, not committed)
    plans: Mapping[str, str] = field(default_factory=dict)   # plan docs {path: text}
    state: str | None = None                  # dos.state.yaml text
    files: Mapping[str, str] = field(default_factory=dict)   # other files {path: text}
    setup: tuple[Step | tuple[str, ...], ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    subdir: str = ""                          # run the row's command from this subdirectory


GIT_NAME, GIT_EMAIL = "DOS Diff", "diff@dos.invalid"
_BASE_DATE = 1_767_225_600                    # 2026-01-01T00:00:00Z: fixed, so SHAs repeat


def _git(cwd: Path, env: Mapping[str, str], *args: str, input: str | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=dict(env), check=True, text=True,
                          capture_output=True, input=input).stdout


def _write(root: Path, rel: str, text: str | None) -> None:
    p = root / rel
    if text is None:
        if p.exists():
            p.unlink()
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)


def write_gitconfig(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / ".gitconfig"
    cfg.write_text(f"[user]\n\tname = {GIT_NAME}\n\temail = {GIT_EMAIL}\n"
                   "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n"
                   "[advice]\n\tdetachedHead = false\n")
    return cfg


def declared_files(ws: Workspace) -> dict[str, str]:
    """Every file WS declares outside git history: dos.toml, plan docs, the state, others."""
    out: dict[str, str] = {}
    if ws.toml is not None:
        out["dos.toml"] = ws.toml
    out.update(ws.plans)
    if ws.state is not None:
        out["dos.state.yaml"] = ws.state
    out.update(ws.files)
    return out


def build_template(ws: Workspace, dest: Path) -> list[str]:
    """Build WS's files and history in DEST; return the commit SHAs in order."""
    dest.mkdir(parents=True)
    home = dest.parent / (dest.name + "-gitdummyhome")
    env = base_env(home)
    shas: list[str] = []
    if ws.git:
        _git(dest, env, "init", "-q", "-b", "main")
        for i, c in enumerate(ws.commits):
            stamp = f"{_BASE_DATE + 60 * (i + 1)} +0000"
            cenv = {**env, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
            if c.revert is not None:
                _git(dest, cenv, "revert", "--no-edit", shas[c.revert])
            else:
                for rel, text in (c.files if c.files is not None else {f"f{i}.txt": f"{i}\n"}).items():
                    _write(dest, rel, text)
                _git(dest, cenv, "add", "-A")
                msg = c.subject + (f"\n\n{c.body}" if c.body else "")
                _git(dest, cenv, "commit", "-q", "--allow-empty", "-F", "-", input=msg)
            shas.append(_git(dest, env, "rev-parse", "HEAD").strip())
    elif ws.commits:
        raise ValueError("commits need git=True")
    for rel, text in declared_files(ws).items():
        _write(dest, rel, expand_shas(text, shas))
    if ws.subdir:
        (dest / ws.subdir).mkdir(parents=True, exist_ok=True)
    shutil.rmtree(home, ignore_errors=True)
    return shas


# --------------------------------------------------------------------------- environment

_STRIP_PREFIXES = ("DOS_", "DISPATCH_", "CID_", "GIT_", "PYTHON", "VIRTUAL_ENV", "CLAUDE", "CODEX",
                   "CURSOR", "GEMINI", "NO_COLOR", "CI")


# The environment as it was at import: the suite's autouse fixture edits os.environ in the
# main thread while rows build their environments in worker threads.
_ENVIRON = dict(os.environ)


def base_env(home: Path, extra: Mapping[str, str] | None = None,
             drop_path: Sequence[str] = ()) -> dict[str, str]:
    """A clean environment: own HOME and git identity, no DOS_/DISPATCH_/CID_/GIT_ variable."""
    cfg = write_gitconfig(home)
    path = os.pathsep.join(p for p in _ENVIRON.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                           if p and not any(p.startswith(d) for d in drop_path))
    env = {k: v for k, v in _ENVIRON.items() if not k.startswith(_STRIP_PREFIXES)
           and k not in ("HOME", "PATH", "TMPDIR", "PWD", "OLDPWD")}
    env.update({"HOME": str(home), "PATH": path, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                "TZ": "UTC", "GIT_CONFIG_GLOBAL": str(cfg), "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_TERMINAL_PROMPT": "0"})
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- running

_PLACEHOLDER = re.compile(r"\{(sha|short)(\d+)\}|\{ws\}|\{home\}")


def expand_shas(text: str, shas: Sequence[str]) -> str:
    """Expand {shaN}/{shortN} only: the parts of a file that are the same on both sides."""
    return re.sub(r"\{(sha|short)(\d+)\}",
                  lambda m: shas[int(m.group(2))][: None if m.group(1) == "sha" else 7], text)


def expand(text: str, shas: Sequence[str], ws: Path, home: Path) -> str:
    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "{ws}":
            return str(ws)
        if m.group(0) == "{home}":
            return str(home)
        sha = shas[int(m.group(2))]
        return sha if m.group(1) == "sha" else sha[:7]

    return _PLACEHOLDER.sub(sub, text)


@dataclass
class Run:
    argv: list[str]
    rc: int
    out: str
    err: str
    secs: float


@dataclass
class SideResult:
    side: str
    main: Run
    setup: list[Run]
    setup_error: str = ""


def run_cmd(cmd: Sequence[str], argv: Sequence[str], cwd: Path, env: Mapping[str, str],
            stdin: str | None, timeout: float) -> Run:
    t0 = time.monotonic()
    try:
        p = subprocess.run([*cmd, *argv], cwd=cwd, env=dict(env), text=True, capture_output=True,
                           input=stdin if stdin is not None else "", timeout=timeout,
                           errors="replace")
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -999, (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), \
            f"TIMEOUT after {timeout}s"
    return Run(list(argv), rc, out, err, time.monotonic() - t0)


def run_side(side: str, cmd: Sequence[str], ws: Workspace, template: Path, shas: Sequence[str],
             root: Path, argv: Sequence[str], stdin: str | None, drop_path: Sequence[str],
             timeout: float = 60.0) -> SideResult:
    """Copy TEMPLATE to ROOT/ws, run WS's setup steps then ARGV with SIDE's command CMD."""
    wsdir = root / "ws"
    shutil.copytree(template, wsdir, symlinks=True)
    home = root / "home"
    env = base_env(home, drop_path=drop_path)
    env["TMPDIR"] = str(root)
    env.update({k: expand(v, shas, wsdir, home) for k, v in ws.env.items()})
    for rel, text in declared_files(ws).items():    # {ws}/{home} differ per side
        if "{ws}" in text or "{home}" in text:
            _write(wsdir, rel, expand(expand_shas(text, shas), shas, wsdir, home))
    setups: list[Run] = []
    error = ""
    for step in ws.setup:
        step = step if isinstance(step, Step) else Step(tuple(step))
        if step.only and step.only != side:
            continue
        r = run_cmd(cmd, [expand(a, shas, wsdir, home) for a in step.argv], wsdir, env,
                    expand(step.stdin, shas, wsdir, home) if step.stdin is not None else None,
                    timeout)
        setups.append(r)
        ok = step.rc is None or r.rc in ((step.rc,) if isinstance(step.rc, int) else step.rc)
        if not ok and not error:
            error = (f"setup step {list(step.argv)} exited {r.rc} (wanted {step.rc}): "
                     f"{(r.err or r.out).strip()[:300]}")
    cwd = wsdir / ws.subdir if ws.subdir else wsdir
    main = run_cmd(cmd, [expand(a, shas, wsdir, home) for a in argv], cwd, env,
                   expand(stdin, shas, wsdir, home) if stdin is not None else None, timeout)
    return SideResult(side, main, setups, error)


# --------------------------------------------------------------------------- JSON shapes

NOJSON = object()


def parse_json(out: str) -> Any:
    """The JSON a command printed: the whole stdout, else JSON lines as a list, else NOJSON."""
    text = out.strip()
    if not text:
        return NOJSON
    try:
        return json.loads(text)
    except ValueError:
        pass
    lines = [ln for ln in text.splitlines() if ln.strip()]
    try:
        values = [json.loads(ln) for ln in lines]
    except ValueError:
        return NOJSON
    return values if values and all(isinstance(v, dict) for v in values) else NOJSON


def jtype(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def shape(value: Any) -> dict[str, str]:
    """{path: JSON type}: the top level, one level into objects and into lists' first element.

    An object's keys are ``key``; a key inside an object value is ``key.sub``; a list's
    first element is ``key[0]`` (and its keys ``key[0].sub``). A top-level list is
    described through its first element: ``[0]``, ``[0].key``, ``[0].key.sub`` ...
    """
    out: dict[str, str] = {}

    def inner(prefix: str, v: Any, depth: int) -> None:
        if isinstance(v, dict):
            for k, sub in v.items():
                p = f"{prefix}.{k}" if prefix else str(k)
                out[p] = jtype(sub)
                if depth > 0:
                    inner(p, sub, depth - 1)
        elif isinstance(v, list) and v:
            p = f"{prefix}[0]"
            out[p] = jtype(v[0])
            if depth > 0:
                inner(p, v[0], depth - 1)

    if isinstance(value, list):
        if value:
            out["[0]"] = jtype(value[0])
            inner("[0]", value[0], 2)
    else:
        inner("", value, 1)
    return out


def _under_missing(path: str, missing: set[str]) -> bool:
    """True when an ancestor of PATH is itself missing (report only the top of a subtree)."""
    for m in missing:
        if path.startswith(m + ".") or path.startswith(m + "["):
            return True
    return False


def shape_diff(ref: Any, ours: Any) -> tuple[set[str], set[str], dict[str, tuple[str, str]]]:
    """(keys missing in ours, keys extra in ours, {shared key: (ref type, our type)})."""
    a, b = shape(ref), shape(ours)
    if jtype(ref) != jtype(ours):
        return set(), set(), {"": (jtype(ref), jtype(ours))}
    missing = {p for p in a if p not in b}
    extra = {p for p in b if p not in a}
    types = {p: (a[p], b[p]) for p in a if p in b and a[p] != b[p]}
    retyped = set(types)
    missing = {p for p in missing if not _under_missing(p, missing | retyped)}
    extra = {p for p in extra if not _under_missing(p, extra | retyped)}
    types = {p: t for p, t in types.items() if not _under_missing(p, retyped - {p})}
    return missing, extra, types
