"""Run a host's installed DOS hooks exactly as the host would, and say whether they would fire and deny.

For each wired (host, scope) file: take the command strings from the file, run each
through ``/bin/sh -c`` with a PATH holding nothing from a virtualenv (``probe_path``), the variables the
host sets (``CLAUDE_PROJECT_DIR``, ``GEMINI_PROJECT_DIR``, ...), and cwd a throwaway
workspace where another session holds a lane, and a subdirectory of it. The pretool
command must answer a write into that lane with the host's deny envelope and exit code;
every other command must exit 0 (a stop hook that fails is a stop loop on Gemini and a
gate that never checks on the others). Then the host's trust state: Codex's project trust
and hook review (through ``codex app-server`` when a ``codex`` is found, else read from
``$CODEX_HOME/config.toml``), Gemini's folder trust, and the switches that turn every
hook off.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from dos.service.wiring_base import (HOST_ENV, NOT_ON_PATH, SCOPES, SPECS, config_file, is_dos_command, is_portable,
                                     spec_entries)

DENY_EXIT = {h: s.deny_exit for h, s in SPECS.items()}
MIN_PATH = "/usr/bin:/bin"
PROBE = "selftest/probe.txt"
TIMEOUT = 60.0


@dataclass
class Check:
    """What one wired file's hooks do when their host runs them."""

    host: str
    scope: str
    path: str
    events: list[str] = field(default_factory=list)
    command: str = ""
    runs: bool = False
    trusted: bool | None = None
    problem: str = ""
    fix: str = ""
    missing: list[str] = field(default_factory=list)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "scope": self.scope, "path": self.path, "events": self.events,
                "command": self.command, "runs": self.runs, "trusted": self.trusted, "problem": self.problem,
                "fix": self.fix, "missing": self.missing, "detail": self.detail}

    def fail(self, problem: str, fix: str) -> "Check":
        if not self.problem:
            self.problem, self.fix = problem, fix
        self.runs = False
        return self


# --------------------------------------------------------------------------- payloads


# The write each host's pretool hook is probed with: (tool name, its arguments for TARGET).
PROBE_WRITE = {
    "claude-code": ("Write", lambda t: {"file_path": t, "content": "x"}),
    "codex": ("apply_patch", lambda t: {"command": f"*** Begin Patch\n*** Add File: {t}\n+x\n*** End Patch\n"}),
    "gemini": ("write_file", lambda t: {"file_path": t, "content": "x"}),
    "tabnine": ("write_file", lambda t: {"file_path": t, "content": "x"}),
    "qwen": ("write_file", lambda t: {"file_path": t, "content": "x"}),
    "factory": ("Create", lambda t: {"file_path": t, "content": "x"}),
    "continue": ("Write", lambda t: {"filepath": t, "content": "x"}),
    "devin": ("write", lambda t: {"file_path": t, "content": "x"}),
    "augment": ("save-file", lambda t: {"path": t, "file_content": "x"}),
    "openhands": ("file_editor", lambda t: {"command": "create", "path": t, "file_text": "x"}),
    "goose": ("write", lambda t: {"path": t, "content": "x"}),  # Goose 1.52.0's flat developer tool
    "grok": ("bash", lambda t: {"command": f"echo x > {shlex.quote(t)}"}),
    "kimi": ("Write", lambda t: {"path": t, "content": "x"}),
    "copilot": ("create", lambda t: {"path": t, "file_text": "x"}),
    "crush": ("write", lambda t: {"file_path": t, "content": "x"}),
    "vibe": ("file_system.write_file", lambda t: {"file_path": t, "content": "x"}),
    "hermes": ("write_file", lambda t: {"path": t, "content": "x"}),
}
# How each host's envelope says "deny" (beside its exit code).
DENY_SHAPE = {"claude-code": "cc", "codex": "cc", "qwen": "cc", "factory": "cc", "codebuddy": "cc", "continue": "cc",
              "qoder": "cc", "augment": "cc", "kimi": "cc", "grok": "cc", "cursor": "permission", "copilot": "top",
              "devin": "block", "goose": "block", "cline": "cancel",
              "hermes": "block"}


def payload(host: str, ws: str, verb: str, cwd: str | None = None) -> dict[str, Any]:
    """What HOST sends VERB's event, as session dos-selftest-A writing into PROBE (pretool)."""
    cwd = cwd or ws
    target = os.path.join(ws, PROBE)
    names = {e: v for e, v in SPECS[host].events}
    event = next((e for e, v in names.items() if v == verb), "")
    if host == "cursor":
        base = {"conversation_id": "dos-selftest-A", "workspace_roots": [ws], "cwd": cwd}
        if verb == "stop":
            return {**base, "hook_event_name": "stop", "status": "completed", "loop_count": 0}
        return {**base, "hook_event_name": "preToolUse", "tool_name": "Write",
                "tool_input": {"file_path": target, "content": "x"}}
    if host == "windsurf":
        return {"agent_action_name": "pre_write_code", "trajectory_id": "dos-selftest-A", "execution_id": "e1",
                "tool_info": {"file_path": target, "edits": [{"old_string": "", "new_string": "x"}]}}
    if host == "opencode":
        base = {"hook_event_name": event, "sessionID": "dos-selftest-A", "directory": cwd, "callID": "c1"}
        if verb == "posttool":
            return {**base, "tool": "read", "args": {"filePath": os.path.join(ws, "dos.toml")}, "output": "ok"}
        return {**base, "tool": "write", "args": {"filePath": target, "content": "x"}}
    if host == "cline":  # what DOS's plugin sends: Cline 3.x's own hook-file payload
        base = {"hookName": "tool_call" if verb == "pretool" else "tool_result", "taskId": "dos-selftest-A",
                "sessionContext": {"rootSessionId": "dos-selftest-A"}, "workspaceRoots": [cwd]}
        if verb == "posttool":
            return {**base, "tool_result": {"id": "t1", "name": "read_files",
                                            "input": {"files": [{"path": os.path.join(ws, "dos.toml")}]},
                                            "output": "ok"}}
        return {**base, "tool_call": {"id": "t1", "name": "editor", "input": {"path": target, "new_text": "x"}}}
    if host == "crush":
        return {"event": event, "session_id": "dos-selftest-A", "cwd": cwd, "tool_name": "write",
                "tool_input": {"file_path": target, "content": "x"}}
    if host == "goose":
        base = {"event": event, "session_id": "dos-selftest-A", "working_dir": cwd}
        if verb == "stop":
            return {**base, "last_assistant_message": "done"}
        tool, args = PROBE_WRITE[host]
        return {**base, "matcher_context": tool, "tool_name": tool, "tool_input": args(target), "tool_call_id": "t1"}
    if host == "openhands":
        base = {"event_type": event, "session_id": "dos-selftest-A", "working_dir": cwd}
    elif host == "augment":
        base = {"conversation_id": "dos-selftest-A", "workspace_roots": [ws], "cwd": cwd}
    else:
        base = {"session_id": "dos-selftest-A", "cwd": cwd, "transcript_path": ""}
    if host not in ("openhands",):
        base["hook_event_name"] = event
    if verb == "stop":
        return {**base, "stop_hook_active": False, "last_assistant_message": "done"}
    if verb == "session-start":
        return {**base, "source": "startup"}
    tool, args = PROBE_WRITE.get(host, PROBE_WRITE["claude-code"])
    if verb == "posttool":
        # a read: nothing to judge, nothing recorded
        reader = {"gemini": "read_file", "tabnine": "read_file", "qwen": "read_file", "vibe": "file_system.read_file",
                  "copilot": "view", "opencode": "read"}.get(host, "Read")
        return {**base, "tool_name": reader, "tool_input": {"file_path": os.path.join(ws, "dos.toml")},
                "tool_response": "ok"}
    return {**base, "tool_name": tool, "tool_input": args(target)}


def is_deny(host: str, stdout: str, stderr: str = "") -> bool:
    """Whether STDOUT (and STDERR, for hosts that read only the exit code) is HOST's deny."""
    if host == "windsurf":
        return not stdout.strip() and bool(stderr.strip())  # exit 2 and the reason on stderr
    try:
        out = json.loads(stdout)
    except ValueError:
        return False
    if not isinstance(out, dict):
        return False
    shape = DENY_SHAPE.get(host, "decision")
    if shape == "cc":
        return (out.get("hookSpecificOutput") or {}).get("permissionDecision") == "deny"
    if shape == "permission":
        return out.get("permission") == "deny"
    if shape == "top":
        return out.get("permissionDecision") == "deny"
    if shape == "block":
        return out.get("decision") == "block"
    if shape == "cancel":
        return out.get("cancel") is True
    return out.get("decision") == "deny"


# --------------------------------------------------------------------------- running a command as the host


def _is_venv_bin(d: str) -> bool:
    return os.path.isfile(os.path.join(d, "activate")) or os.path.isfile(os.path.join(os.path.dirname(d),
                                                                                       "pyvenv.cfg"))


def probe_path(env: Mapping[str, str] | None = None) -> str:
    """``/usr/bin:/bin`` plus the directories of PATH that are not a virtualenv's ``bin``.

    A host started from a desktop or another shell has no activated venv; what else is on
    this PATH (``~/.local/bin`` where pipx puts ``dos-hook``, ``/usr/local/bin``) it usually has.
    """
    env = os.environ if env is None else env
    skip = {os.path.realpath(os.path.join(sys.prefix, "bin"))}
    if env.get("VIRTUAL_ENV"):
        skip.add(os.path.realpath(os.path.join(env["VIRTUAL_ENV"], "bin")))
    keep: list[str] = []
    for d in env.get("PATH", "").split(os.pathsep):
        if d and os.path.isabs(d) and os.path.realpath(d) not in skip and not _is_venv_bin(d) and d not in keep:
            keep.append(d)
    return os.pathsep.join([*keep, *(d for d in MIN_PATH.split(":") if d not in keep)])


def host_env(host: str, ws: str, cwd: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment HOST gives its hook commands, minus anything a venv put on PATH."""
    env = os.environ if env is None else env
    out = {"PATH": probe_path(env), "LANG": env.get("LANG", "C.UTF-8")}
    for name in ("HOME", "USER", "LOGNAME", "TMPDIR", "CODEX_HOME", "GEMINI_CLI_HOME", "DISPATCH_HOME",
                 "CLAUDE_CONFIG_DIR"):
        if env.get(name):
            out[name] = env[name]
    for name in HOST_ENV.get(host, ()):
        out[name] = cwd if host == "gemini" else ws
    return out


def host_command(host: str, cmd: str, cwd: str, env: Mapping[str, str]) -> str:
    """CMD as the host hands it to its shell (Gemini expands ``$VAR`` in settings and its own names)."""
    if host != "gemini":
        return cmd
    quoted = shlex.quote(cwd)
    for name in ("GEMINI_PROJECT_DIR", "GEMINI_CWD", "CLAUDE_PROJECT_DIR"):
        cmd = cmd.replace("$" + name, quoted)
    import re

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), cmd)


def run_as_host(host: str, cmd: str, ws: str, cwd: str, data: dict[str, Any],
                env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    child = host_env(host, ws, cwd, env)
    line = host_command(host, cmd, cwd, os.environ if env is None else env)
    try:
        return subprocess.run(["/bin/sh", "-c", line], cwd=cwd, input=json.dumps(data), text=True,
                              capture_output=True, timeout=TIMEOUT, env=child)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(["/bin/sh", "-c", line], -9, "", f"did not answer within {TIMEOUT:.0f} s")


def _last(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:240] if lines else ""


def short(cmd: str) -> str:
    return cmd if len(cmd) <= 120 else cmd[:117] + "..."


# --------------------------------------------------------------------------- the throwaway workspace


class Collision:
    """A workspace in a temp dir where session dos-selftest-B holds lane ``selftest`` (``selftest/**``).

    Made on first use, so a workspace with nothing wired costs nothing.
    """

    def __init__(self) -> None:
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="dos-selftest-")).resolve()
            (self._root / "sub").mkdir()
            _hold_lane(self._root)
        return self._root

    def __enter__(self) -> "Collision":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


def _hold_lane(ws: Path) -> None:
    from dos.config import Workspace, load_config
    from dos.kernel.lanes import LaneRequest
    from dos.service.context import open_store

    (ws / "dos.toml").write_text('[lanes]\nconcurrent = ["selftest"]\nexclusive = ["global"]\n\n'
                                 '[lanes.trees]\nselftest = ["selftest/**"]\nglobal = ["**/*"]\n')
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    try:
        store.acquire(LaneRequest(lane="selftest"), holder="dos-selftest-other", session="dos-selftest-B")
    finally:
        store.close()


# --------------------------------------------------------------------------- one file


def repair(host: str, scope: str) -> str:
    tail = " --scope user" if scope == "user" else ""
    return f"dos init --hooks {host}{tail} --force"


def cannot_start_fix(host: str, scope: str, cmd: str) -> str:
    if is_portable(cmd):
        return (f"put dos-hook on a PATH the host sees (for example pipx install), or wire this machine's "
                f"absolute command instead: dos init --hooks {host} --scope user")
    return f"rewire with this installation: {repair(host, scope)}"


def check_file(root: Path, host: str, scope: str, coll: Collision, env: Mapping[str, str] | None = None,
               codex: str | None = None) -> Check | None:
    """The check of HOST's SCOPE file under ROOT; None when it wires no DOS hook."""
    spec = SPECS[host]
    path = config_file(root, host, scope, env)
    if path is None:
        return None
    paths = [path] + ([root / rel for rel in spec.legacy] if scope == "project" else [])
    entries, shown = [], path
    from dos.errors import DosError

    for p in paths:
        if not p.is_file():
            continue
        try:
            found = spec_entries(p, spec)
        except DosError as exc:
            return Check(host, scope, str(p)).fail(str(exc), "fix the file by hand, then run dos hook selftest again")
        if found and not entries:
            shown = p
        entries += found
    if not entries:
        return None
    c = Check(host, scope, str(shown), events=list(dict.fromkeys(e.event for e in entries)))
    wanted = [e for e, _ in spec.events]
    c.missing = [e for e in wanted if e not in c.events]
    pre = spec.pretool_event
    by_event = {}
    for e in entries:
        by_event.setdefault(e.event, e.command)
    c.command = by_event.get(pre, "")
    c.runs = True
    if not c.command:
        return c.fail(f"no DOS {pre} hook in {shown}, so no write is ever judged", repair(host, scope))
    ws, sub = str(coll.root), str(coll.root / "sub")
    want = DENY_EXIT[host]
    for cwd in (ws, sub):
        t0 = time.perf_counter()
        proc = run_as_host(host, c.command, ws, cwd, payload(host, ws, "pretool", cwd), env)
        ms = (time.perf_counter() - t0) * 1000
        if proc.returncode in (126, 127) or NOT_ON_PATH in proc.stderr or (
                proc.returncode != want and "not found" in proc.stderr):
            blocks = host == "gemini" or NOT_ON_PATH in proc.stderr
            return c.fail(f"`{short(c.command)}` cannot run without the venv on PATH (exit {proc.returncode}: "
                          f"{_last(proc.stderr) or 'no output'}); the host would "
                          f"{'refuse every tool call' if blocks else 'let every write through'}",
                          cannot_start_fix(host, scope, c.command))
        if not (is_deny(host, proc.stdout, proc.stderr) and proc.returncode == want):
            why = _last(proc.stderr) or proc.stdout.strip()[:200] or "no output"
            where = "" if cwd == ws else " from a subdirectory"
            return c.fail(f"`{short(c.command)}` did not deny a write into a held lane{where} (exit "
                          f"{proc.returncode}: {why})", repair(host, scope))
        c.detail = f"denied a write into a held lane (exit {want}, {ms:.0f} ms)"
    for event, cmd in by_event.items():
        verb = next((v for e, v in spec.events if e == event), "")
        if event == pre or verb not in ("posttool", "stop", "session-start"):
            continue
        proc = run_as_host(host, cmd, ws, ws, payload(host, ws, verb), env)
        if proc.returncode != 0:
            loop = " (Gemini would refuse every stop: an endless loop)" if host == "gemini" and verb == "stop" else ""
            fix = cannot_start_fix(host, scope, cmd) if proc.returncode in (126, 127) or NOT_ON_PATH in proc.stderr \
                else repair(host, scope)
            return c.fail(f"the {event} hook `{short(cmd)}` exits {proc.returncode}{loop}: "
                          f"{_last(proc.stderr) or 'no output'}", fix)
    _trust(c, root, host, scope, Path(shown), entries, env, codex)
    return c


def _trust(c: Check, root: Path, host: str, scope: str, path: Path, entries: list, env: Mapping[str, str] | None,
           codex: str | None) -> None:
    if host == "codex":
        _codex_trust(c, root, scope, path, entries, env, codex)
    elif host == "gemini":
        from dos.service.host_gemini import folder_trust, trust_fix

        ok, how = folder_trust(root, env)
        c.trusted = ok
        if _gemini_hooks_off(root, env):
            c.fail("hooksConfig.enabled is false in Gemini's settings, so no hook runs",
                   "remove hooksConfig.enabled = false from ~/.gemini/settings.json or .gemini/settings.json")
        elif not ok and scope == "project":
            c.fail(f"Gemini does not load {path} in an untrusted folder ({how})", trust_fix(root, env))
    elif host == "claude-code":
        if _claude_hooks_off(root, env):
            c.fail("disableAllHooks is true in a Claude Code settings file, so no hook runs",
                   "remove \"disableAllHooks\": true from it")


def _codex_trust(c: Check, root: Path, scope: str, path: Path, entries: list, env: Mapping[str, str] | None,
                 codex: str | None) -> None:
    from dos.service import host_codex
    from dos.service.wiring_base import codex_key

    data = host_codex.config_data(env)
    feats = data.get("features")
    if isinstance(feats, dict) and feats.get("hooks") is False:
        c.fail("[features] hooks = false in Codex's config.toml, so no hook runs", "remove that line")
        return
    review_fix = "dos init --hooks codex" + (" --scope user" if scope == "user" else "") + \
        " (reviews DOS's hooks through codex app-server), or review them with /hooks in Codex"
    if scope == "project" and not host_codex.project_trusted(root, env):
        c.trusted = False
        c.fail(f"Codex ignores {path} (hooks included) until the project is trusted",
               "dos init --hooks codex (trusts it through codex app-server), or `codex exec --trust` once in "
               f"{root}")
        return
    if codex:
        try:
            listed = host_codex.listed(root, codex=codex, env=env)
        except host_codex.CodexError as exc:
            c.detail += f"; codex app-server: {exc}"
            codex = None
        else:
            mine = [h for h in listed if is_dos_command(h.get("command"))
                    and os.path.realpath(str(h.get("sourcePath", ""))) == os.path.realpath(path)]
            if not mine:
                c.trusted = False
                c.fail(f"Codex lists no DOS hook from {path}", review_fix)
                return
            pending = [h for h in mine if h.get("trustStatus") not in ("trusted", "managed")]
            c.trusted = not pending
            if pending:
                states = ", ".join(sorted({str(h.get("trustStatus")) for h in pending}))
                c.fail(f"Codex skips {len(pending)} DOS hook(s) from {path} without a word until they are "
                       f"reviewed ({states})", review_fix)
            return
    reviewed = host_codex.reviewed_keys(env)
    missing = [e for e in entries if codex_key(path, e) not in reviewed]
    if missing:
        c.trusted = False
        c.fail(f"{len(missing)} DOS hook(s) in {path} have no review in {host_codex.codex_home(env)}/config.toml, "
               "so Codex skips them", review_fix)
    else:
        c.trusted = None  # reviewed once; whether the hash still matches needs codex itself
        c.detail += "; reviews recorded (codex not found to check their hashes)"


def _gemini_hooks_off(root: Path, env: Mapping[str, str] | None) -> bool:
    from dos.service.wiring_base import gemini_dir
    from dos.service.wiring_files import JsonFile

    for p in (gemini_dir(env) / "settings.json", root / ".gemini" / "settings.json"):
        try:
            hc = JsonFile(p, comments=True).data.get("hooksConfig")
        except Exception:  # noqa: BLE001
            continue
        if isinstance(hc, dict) and hc.get("enabled") is False:
            return True
    return False


def _claude_hooks_off(root: Path, env: Mapping[str, str] | None) -> bool:
    from dos.service.wiring_base import user_file
    from dos.service.wiring_files import JsonFile

    for p in (user_file("claude-code", env), root / ".claude" / "settings.json",
              root / ".claude" / "settings.local.json"):
        try:
            if p is not None and JsonFile(p).data.get("disableAllHooks") is True:
                return True
        except Exception:  # noqa: BLE001
            continue
    return False


# --------------------------------------------------------------------------- every host


def checks(root: Path, hosts: list[str] | None = None, scopes: tuple[str, ...] = SCOPES,
           env: Mapping[str, str] | None = None) -> list[Check]:
    """A check per wired (host, scope) under ROOT, in host order."""
    from dos.service.host_codex import find_codex

    out: list[Check] = []
    with Collision() as coll:
        for host in hosts or list(SPECS):
            for scope in scopes:
                codex = find_codex(env) if host == "codex" else None
                try:
                    c = check_file(Path(root), host, scope, coll, env, codex)
                except Exception as exc:  # noqa: BLE001 - a probe reports; it never raises
                    c = Check(host, scope, "").fail(f"the check itself failed: {type(exc).__name__}: {exc}",
                                                    "run dos hook selftest --debug")
                if c is not None:
                    out.append(c)
    return out


def health(root: Path, env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """host -> the merged report of its wired scopes (see ``dos.service.wiring.hook_health``)."""
    try:
        found = checks(root, env=env)
    except Exception as exc:  # noqa: BLE001 - doctor must never fail here
        return {"_error": {"problem": f"{type(exc).__name__}: {exc}", "runs": False}}
    out: dict[str, dict[str, Any]] = {}
    for c in found:
        d = c.to_dict()
        if c.host not in out:
            out[c.host] = d
            continue
        cur = out[c.host]
        cur["scope"] = f"{cur['scope']}+{c.scope}"
        cur["path"] = f"{cur['path']}, {c.path}"
        cur["events"] = list(dict.fromkeys([*cur["events"], *c.events]))
        cur["runs"] = cur["runs"] and c.runs
        if cur["trusted"] is None or c.trusted is False:
            cur["trusted"] = c.trusted
        if not cur["problem"] and c.problem:
            cur["problem"], cur["fix"] = c.problem, c.fix
    for d in out.values():
        d.pop("host", None)
    return out
