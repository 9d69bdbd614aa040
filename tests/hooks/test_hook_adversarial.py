"""Writes an attacker would try, through every dialect: each must land on the verdict the regions demand.

The workspace has lanes api, web and docs; another session (bob) holds api, this session
(sess-me) holds web. Each case is a Write-style call or a shell command; the hook's answer
(allow, warn or deny) and the token it records must match, whichever host sent it.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from dos.hooks.__main__ import main as hook_main
from tests.hooks.hookkit import enforce_events, hold


HOSTS = ("claude-code", "codex", "cursor", "gemini", "antigravity")
ME = "sess-me"
LANES = """[lanes]
concurrent = ["api", "web", "docs"]
exclusive = ["global"]

[lanes.trees]
api = ["api/**"]
web = ["web/**"]
docs = ["docs/**"]
global = ["**/*"]
"""


def write_payload(host: str, ws: Path, cwd: str, path: str) -> dict:
    if host == "codex":
        patch = f"*** Begin Patch\n*** Add File: {path}\n+x\n*** End Patch\n"
        return {"session_id": ME, "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "apply_patch",
                "tool_input": {"command": patch}}
    if host == "cursor":
        return {"conversation_id": ME, "hook_event_name": "preToolUse", "workspace_roots": [str(ws)], "cwd": cwd,
                "tool_name": "Write", "tool_input": {"file_path": path, "content": "x"}}
    if host == "gemini":
        return {"session_id": ME, "cwd": cwd, "hook_event_name": "BeforeTool", "tool_name": "write_file",
                "tool_input": {"file_path": path, "content": "x"}}
    if host == "antigravity":
        return {"session_id": ME, "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "write_to_file",
                "tool_input": {"TargetFile": path}}
    return {"session_id": ME, "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": path, "content": "x"}}


def shell_payload(host: str, ws: Path, cwd: str, cmd: str) -> dict:
    if host == "codex":
        return {"session_id": ME, "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "exec_command",
                "tool_input": {"cmd": ["bash", "-lc", cmd]}}
    if host == "cursor":
        return {"conversation_id": ME, "hook_event_name": "beforeShellExecution", "workspace_roots": [str(ws)],
                "cwd": cwd, "command": cmd}
    if host == "gemini":
        return {"session_id": ME, "cwd": cwd, "hook_event_name": "BeforeTool", "tool_name": "run_shell_command",
                "tool_input": {"command": cmd}}
    if host == "antigravity":
        return {"session_id": ME, "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "run_command",
                "tool_input": {"command": cmd}}
    return {"session_id": ME, "cwd": cwd, "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": cmd}}


def answer(host: str, out: str, code: int) -> str:
    """allow, warn or deny, read from HOST's own envelope and exit code."""
    if not out.strip():
        assert code == 0
        return "allow"
    env = json.loads(out)
    if host in ("claude-code", "codex"):
        spec = env["hookSpecificOutput"]
        if spec.get("permissionDecision") == "deny":
            assert code == 2
            return "deny"
        return "warn"
    if host == "cursor":
        if env.get("permission") == "deny":
            assert code == 2
            return "deny"
        return "warn"
    if env.get("decision") == "deny":
        assert code == 0  # Gemini and Antigravity block cleanly on exit 0 with the envelope
        return "deny"
    return "warn"


@pytest.fixture(scope="module")
def arena(tmp_path_factory) -> Path:
    """The workspace every case runs in, built once (the cases never write files)."""
    import subprocess

    ws = (tmp_path_factory.mktemp("arena") / "ws").resolve()
    for d in ("api", "web/sub", "docs", "other"):
        (ws / d).mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "dos.toml").write_text(LANES)
    (ws / "api" / "a.py").write_text("a\n")
    (ws / "web" / "w.py").write_text("w\n")
    os.symlink("api", ws / "alias")  # a directory symlink into api
    os.symlink("../api/a.py", ws / "web" / "evil.py")  # a file symlink from web into api
    os.symlink("/etc", ws / "etc")  # a symlink out of the workspace
    os.symlink("alias", ws / "l2")
    os.symlink("l2", ws / "l1")  # a chain: l1 -> l2 -> alias -> api
    os.symlink("../web", ws / "docs" / "toweb")
    (ws / "api" / "h.py").write_text("h\n")
    os.link(ws / "api" / "h.py", ws / "web" / "hard.py")  # a hard link: one file, two lanes
    hold(ws, "api", "bob", "other-session")
    hold(ws, "web", "me", ME)
    return ws


WRITES = [  # (id, cwd relative to ws or an absolute marker, path as written, action, token)
    ("plain-foreign", ".", "api/a.py", "deny", "COLLISION"),
    ("plain-own", ".", "web/a.py", "allow", "ALLOW"),
    ("dot-slash", ".", "./api/a.py", "deny", "COLLISION"),
    ("dotdot-into", ".", "web/../api/a.py", "deny", "COLLISION"),
    ("abs-foreign", ".", "$WS/api/a.py", "deny", "COLLISION"),
    ("abs-dotdot", ".", "$WS/web/../api/a.py", "deny", "COLLISION"),
    ("double-slash", ".", "$WS//api//a.py", "deny", "COLLISION"),
    ("dot-segments", ".", "$WS/./api/./a.py", "deny", "COLLISION"),
    ("dir-symlink", ".", "alias/a.py", "deny", "COLLISION"),
    ("file-symlink", ".", "web/evil.py", "deny", "COLLISION"),
    ("symlink-chain", ".", "l1/new.py", "deny", "COLLISION"),
    ("symlink-out", ".", "etc/cron.d/x", "deny", "OUTSIDE_WORKSPACE"),
    ("symlink-dir-into-own", ".", "docs/toweb/x.py", "allow", "ALLOW"),
    ("hard-link", ".", "web/hard.py", "deny", "UNJUDGEABLE_PATH"),
    ("nul-byte", ".", "web/a\0.py", "deny", "UNJUDGEABLE_PATH"),
    ("backslash", ".", "api\\a.py", "deny", "COLLISION"),
    ("windows-drive", ".", "C:\\ws\\api\\a.py", "allow", "ALLOW"),
    ("percent-encoded", ".", "api%2Fa.py", "allow", "ALLOW"),
    ("newline-in-name", ".", "api/a\n.py", "deny", "COLLISION"),
    ("newline-dotdot", ".", "web/x\n/../../api/a.py", "deny", "COLLISION"),
    ("upper-case", ".", "API/a.py", "deny", "COLLISION"),
    ("mixed-case", ".", "Api/A.py", "deny", "COLLISION"),
    ("trailing-slash", ".", "api/", "deny", "COLLISION"),
    ("the-lane-dir", ".", "api", "deny", "COLLISION"),
    ("workspace-root", ".", ".", "deny", "COLLISION"),
    ("outside-abs", ".", "/tmp/dos-x", "deny", "OUTSIDE_WORKSPACE"),
    ("outside-dotdot", ".", "../x", "deny", "OUTSIDE_WORKSPACE"),
    ("home", ".", "~/x", "deny", "OUTSIDE_WORKSPACE"),
    ("tilde-root", ".", "~root/x", "deny", "OUTSIDE_WORKSPACE"),
    ("tilde-unknown-user", ".", "~nosuchuser123/x", "allow", "ALLOW"),
    ("dev-null", ".", "/dev/null", "allow", "ALLOW"),
    ("dev-dotdot", ".", "/dev/../etc/x", "deny", "OUTSIDE_WORKSPACE"),
    ("glob-in-lane", ".", "api/*.py", "deny", "COLLISION"),
    ("glob-then-dotdot", ".", "web/*/../../api/a.py", "deny", "UNJUDGEABLE_PATH"),
    ("state-dir", ".", ".dos/store.sqlite3", "deny", "STATE_DIR"),
    ("state-dir-case", ".", ".DOS/x", "deny", "STATE_DIR"),
    ("long-path", ".", "web/" + "d/" * 1500 + "x.py", "allow", "ALLOW"),
    ("unicode-in-lane", ".", "api/ä.py", "deny", "COLLISION"),
    ("fullwidth-lookalike", ".", "\uff41pi/a.py", "allow", "ALLOW"),
    ("cwd-is-parent", "..", "api/a.py", "deny", "OUTSIDE_WORKSPACE"),
    ("cwd-in-own-lane", "web", "../api/a.py", "deny", "COLLISION"),
    ("cwd-in-foreign-lane", "api", "a.py", "deny", "COLLISION"),
    ("cwd-subdir-own", "web/sub", "x.py", "allow", "ALLOW"),
    ("cwd-missing-dir", "web/nope", "../../api/a.py", "deny", "COLLISION"),
    ("unlaned-root-file", ".", "README.md", "allow", "ALLOW"),
]

SHELLS = [  # (id, cwd, command, action, token)
    ("redirect", ".", "echo x > api/a.py", "deny", "COLLISION"),
    ("append", ".", "echo x >> api/a.py", "deny", "COLLISION"),
    ("tilde-plus", ".", "echo x > ~+/api/a.py", "deny", "COLLISION"),
    ("tilde-root", ".", "echo x > ~root/.bashrc", "deny", "OUTSIDE_WORKSPACE"),
    ("dev-dotdot", ".", "echo x > /dev/../etc/x", "deny", "OUTSIDE_WORKSPACE"),
    ("git-C", ".", "git -C api rm a.py", "deny", "COLLISION"),
    ("git-work-tree", ".", "git --work-tree=api checkout -- a.py", "deny", "COLLISION"),
    ("cd-then-write", ".", "cd api && echo x > a.py", "deny", "COLLISION"),
    ("subshell-cd", ".", "(cd api; touch x)", "deny", "COLLISION"),
    ("checkout-dot", ".", "git checkout -- .", "deny", "COLLISION"),
    ("restore-dot", ".", "git restore -- .", "deny", "COLLISION"),
    ("reset-hard", ".", "git reset --hard", "deny", "COLLISION"),
    ("rsync-delete-dot", ".", "rsync -a --delete SRC/ .", "deny", "COLLISION"),
    ("cp-into-dot", ".", "cp -r X/. .", "deny", "COLLISION"),
    ("chmod-dot", ".", "chmod -R 000 .", "deny", "COLLISION"),
    ("rm-workspace", ".", "rm -rf ../ws", "deny", "COLLISION"),  # the root itself: every lane
    ("rm-parent", ".", "rm -rf ..", "deny", "OUTSIDE_WORKSPACE"),
    ("rm-root", ".", "rm -rf /", "deny", "OUTSIDE_WORKSPACE"),
    ("comment", ".", "echo x #> api/f.py", "allow", "ALLOW"),
    ("read-only", ".", "cat api/a.py", "allow", "ALLOW"),
    ("own-lane", ".", "echo x > web/a.py", "allow", "ALLOW"),
    ("touch-own", ".", "touch web/a web/b", "allow", "ALLOW"),
    ("touch-mixed", ".", "touch web/a api/b", "deny", "COLLISION"),
    ("mv-out", ".", "mv api/a.py web/", "deny", "COLLISION"),
    ("cp-in", ".", "cp web/w.py api/", "deny", "COLLISION"),
    ("sed-inplace", ".", "sed -i s/a/b/ api/a.py", "deny", "COLLISION"),
    ("tee", ".", "tee api/x < /dev/null", "deny", "COLLISION"),
    ("dd", ".", "dd if=/dev/zero of=api/x count=1", "deny", "COLLISION"),
    ("nested-bash", ".", "bash -c 'echo x > api/a.py'", "deny", "COLLISION"),
    ("nested-sh", ".", 'sh -c "touch api/x"', "deny", "COLLISION"),
    ("heredoc-to-file", ".", "cat <<EOF > api/x\nhello\nEOF", "deny", "COLLISION"),
    ("heredoc-body-is-data", ".", "cat <<EOF\n> api/x\nEOF", "allow", "ALLOW"),
    ("quoted-space", ".", 'echo x > "api/a b.py"', "deny", "COLLISION"),
    ("quoted-part", ".", "echo x > 'api'/a.py", "deny", "COLLISION"),
    ("escaped-char", ".", "echo x > a\\pi/a.py", "deny", "COLLISION"),
    ("symlink-through-shell", ".", "echo x > alias/a.py", "deny", "COLLISION"),
    ("ln-in-own", ".", "ln -s ../api web/link", "allow", "ALLOW"),
    ("interpreter", ".", "python3 -c 'open(\"api/x\", \"w\")'", "warn", "UNKNOWN_FOOTPRINT"),
    ("build-tool", ".", "make", "warn", "UNKNOWN_FOOTPRINT"),
    ("substitution", ".", "echo $(touch api/x)", "deny", "COLLISION"),
    ("substitution-unknown", ".", "echo $(make)", "warn", "UNKNOWN_FOOTPRINT"),
    ("variable-target", ".", "x=api; rm $x/a", "warn", "UNKNOWN_FOOTPRINT"),
    ("loop-variable", ".", "for f in api/*; do rm $f; done", "warn", "UNKNOWN_FOOTPRINT"),
    ("echo", ".", "echo hi", "allow", "ALLOW"),
    ("ls-lane", ".", "ls api", "allow", "ALLOW"),
    ("git-status", ".", "git status", "allow", "ALLOW"),
    ("state-dir-rm", ".", "rm -rf .dos", "deny", "STATE_DIR"),
    ("cwd-foreign", "api", "touch x", "deny", "COLLISION"),
]


def _fill(text: str, ws: Path) -> str:
    return text.replace("$WS", str(ws))


def _run(host: str, payload: dict, ws: Path) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = hook_main(["pretool", "--dialect", host, "--workspace", str(ws)], io.StringIO(json.dumps(payload)),
                     out, err, {"HOME": "/root", "PATH": os.environ.get("PATH", "")})
    return out.getvalue(), err.getvalue(), code


def _last_enforce(ws: Path) -> tuple[int, str]:
    events = enforce_events(ws)
    return (events[-1].seq, events[-1].data["token"]) if events else (0, "")


def _check(host: str, payload: dict, ws: Path, action: str, token: str) -> None:
    before, _ = _last_enforce(ws)
    out, err, code = _run(host, payload, ws)
    assert "Traceback" not in err
    got = answer(host, out, code)
    seq, recorded = _last_enforce(ws)
    if action == "allow":
        assert got == "allow", (out, err)
        assert seq == before, f"an allow recorded {recorded}"
    else:
        assert got == action, (out, err)
        assert seq > before and recorded == token, (recorded, out)


# apply_patch takes names literally (no ~ expansion), drops /dev/null, and a header cannot hold a newline.
CODEX = {"home": ("allow", "ALLOW"), "tilde-root": ("allow", "ALLOW"), "dev-null": ("warn", "UNKNOWN_FOOTPRINT"),
         "newline-dotdot": ("allow", "ALLOW")}


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("case", WRITES, ids=[c[0] for c in WRITES])
def test_write_paths(arena: Path, host: str, case) -> None:
    _id, cwd, path, action, token = case
    if host == "codex" and _id in CODEX:
        action, token = CODEX[_id]
    where = str((arena / cwd).resolve()) if cwd != "web/nope" else str(arena / cwd)
    _check(host, write_payload(host, arena, where, _fill(path, arena)), arena, action, token)


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("case", SHELLS, ids=[c[0] for c in SHELLS])
def test_shell_commands(arena: Path, host: str, case) -> None:
    _id, cwd, cmd, action, token = case
    _check(host, shell_payload(host, arena, str((arena / cwd).resolve()), cmd), arena, action, token)


def test_the_table_is_at_least_eighty_cases() -> None:
    assert len(WRITES) + len(SHELLS) >= 80
