"""The hook shell against a real store: records, stop cap, stall reader, auto-acquire, fail policy."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.hooks.hookkit import DOS_TOML, call_hook, store_of
from tests.hooks.hookkit import enforce_events as hookkit_enforce

from dos.service.settings import CACHE_REL, load_settings


def edit(ws: Path, rel: str, session: str = "sess-A", **extra) -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": str(ws / rel)}, **extra}


def stop_event(ws: Path, active: bool, session: str = "sess-A") -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "Stop", "stop_hook_active": active}


def enforce_events(ws: Path) -> list:
    return hookkit_enforce(ws)


def test_deny_and_warn_are_recorded_as_enforce_events_but_allow_is_not(ws: Path) -> None:
    assert call_hook("pretool", edit(ws, "src/app.py")).code == 0
    assert call_hook("pretool", edit(ws, "docs/guide.md")).code == 2
    warn = {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": "make"}}
    assert call_hook("pretool", warn).envelope["hookSpecificOutput"]["additionalContext"]
    events = enforce_events(ws)
    assert [e.data["intervention"] for e in events] == ["DENY", "WARN"]
    deny = events[0]
    assert (deny.holder, deny.lane, deny.data["blocking_holder"], deny.data["paths"]) == (
        "sess-A", "docs", "agentB", ["docs/guide.md"])


def test_session_id_flag_overrides_the_payload(ws: Path) -> None:
    got = call_hook("pretool", edit(ws, "docs/guide.md"), extra=("--session-id", "sess-B"))
    assert (got.code, got.stdout) == (0, "")


def test_holder_env_identifies_the_lease_without_a_session(ws: Path) -> None:
    payload = edit(ws, "docs/guide.md", session="")
    assert call_hook("pretool", payload).code == 2
    os.environ["DOS_HOLDER"] = "agentB"
    try:
        assert call_hook("pretool", payload).code == 0
    finally:
        del os.environ["DOS_HOLDER"]


def test_stale_fence_in_payload_is_denied(ws: Path) -> None:
    with store_of(ws) as store:
        mine = next(x for x in store.live_leases() if x.session == "sess-A")
    assert call_hook("pretool", edit(ws, "src/app.py", dos_fence=mine.fence)).code == 0
    got = call_hook("pretool", edit(ws, "src/app.py", dos_fence=mine.fence + 100))
    assert got.code == 2 and "fence" in got.envelope["hookSpecificOutput"]["permissionDecisionReason"]


def test_stop_blocks_until_the_claim_verifies(ws: Path, repo) -> None:
    blocked = call_hook("stop", stop_event(ws, False))
    assert blocked.code == 2 and blocked.envelope["decision"] == "block"
    repo.commit("AUTH1: implement login")
    assert call_hook("stop", stop_event(ws, False)) .code == 0


def test_stop_respects_stop_hook_active_and_the_block_cap(ws: Path) -> None:
    """Three refusals in a row at most (cap 3), then the agent may stop; a fresh stop starts over."""
    codes = [call_hook("stop", stop_event(ws, i > 0)).code for i in range(5)]
    assert codes == [2, 2, 2, 0, 0]
    assert call_hook("stop", stop_event(ws, False)).code == 2
    assert any(e.data["token"] == "CAP_REACHED" for e in enforce_events(ws))


def test_stop_block_cap_is_read_from_dos_toml(ws: Path) -> None:
    (ws / "dos.toml").write_text(DOS_TOML + "\n[hooks]\nstop_block_cap = 1\n")
    codes = [call_hook("stop", stop_event(ws, i > 0)).code for i in range(3)]
    assert codes == [2, 0, 0]


def test_posttool_flags_repeating_then_stalled(ws: Path) -> None:
    def step(result: str) -> dict:
        return {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PostToolUse", "tool_name": "Bash",
                "tool_input": {"command": "pytest -q"}, "tool_response": result}

    ctx = [call_hook("posttool", step("1 failed")).envelope for _ in range(5)]
    assert ctx[:2] == [None, None]
    assert "REPEATING" in ctx[2]["hookSpecificOutput"]["additionalContext"]
    assert "STALLED" in ctx[4]["hookSpecificOutput"]["additionalContext"]
    assert call_hook("posttool", step("0 failed")).envelope is None  # new information breaks the run
    assert (ws / ".dos" / "streams" / "sess-A.stream.json").is_file()


def test_session_ids_are_sanitised_for_stream_files(ws: Path) -> None:
    weird = {"session_id": "../../etc/x", "cwd": str(ws), "hook_event_name": "PostToolUse", "tool_name": "Read",
             "tool_input": {}, "tool_response": "r"}
    call_hook("posttool", weird)
    names = os.listdir(ws / ".dos" / "streams")
    assert len(names) == 1 and "/" not in names[0] and not names[0].startswith(".")


def test_auto_acquire_takes_the_free_lane_and_then_denies_the_other_session(ws: Path) -> None:
    (ws / "dos.toml").write_text(DOS_TOML.replace('concurrent = ["src", "docs"]', 'concurrent = ["src", "docs", "lib"]')
                                 .replace('global = ["**/*"]', 'lib = ["lib/**"]\nglobal = ["**/*"]')
                                 + "\n[hooks]\nauto_acquire = true\n")
    assert call_hook("pretool", edit(ws, "lib/a.py", session="sess-C")).code == 0
    with store_of(ws) as store:
        assert any(x.lane == "lib" and x.session == "sess-C" for x in store.live_leases())
    got = call_hook("pretool", edit(ws, "lib/b.py", session="sess-D"))
    assert got.code == 2 and "sess-C" in got.stderr


def test_config_cache_is_invalidated_when_dos_toml_changes(ws: Path) -> None:
    first = load_settings(str(ws))
    assert (ws / CACHE_REL).is_file() and first.unknown_footprint == "warn"
    (ws / "dos.toml").write_text(DOS_TOML + "\n[hooks]\nunknown_footprint = \"deny\"\n")
    assert load_settings(str(ws)).unknown_footprint == "deny"
    cached = json.loads((ws / CACHE_REL).read_text())
    assert cached["settings"]["unknown_footprint"] == "deny"


def test_a_broken_config_keeps_the_last_one_that_compiled_in_force(ws: Path) -> None:
    """A bad edit to dos.toml never switches enforcement off; stderr says the file is broken and where."""
    assert call_hook("pretool", edit(ws, "docs/guide.md")).code == 2  # compiles and caches the good config
    (ws / "dos.toml").write_text(DOS_TOML + '\n[hooks]\nunknown_footprint = "allow"\nbogus = 1\n')
    got = call_hook("pretool", edit(ws, "docs/guide.md"))
    assert got.code == 2 and got.envelope["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "dos.toml is broken" in got.stderr and "bogus" in got.stderr and "Traceback" not in got.stderr
    warn = call_hook("pretool", {**edit(ws, "x"), "tool_name": "Bash", "tool_input": {"command": "make"}})
    assert warn.envelope["hookSpecificOutput"]["additionalContext"], "the old unknown_footprint=warn still holds"


def test_a_broken_config_with_no_good_compile_judges_no_write(ws: Path) -> None:
    """The defaults cannot say which store holds the leases (the broken file may name another): a write
    DOS must judge is denied, even into the caller's own lane, and both lines say why; a read is not."""
    (ws / "dos.toml").write_text("[hooks]\nbogus = 1\n")
    (ws / ".dos" / "cache").mkdir(parents=True, exist_ok=True)
    for f in (ws / ".dos" / "cache").iterdir():
        f.unlink()
    for path in ("docs/guide.md", "src/app.py"):  # another session's lane, and the caller's own
        got = call_hook("pretool", edit(ws, path))
        assert got.code == 2 and "built-in defaults" in got.stderr and "bogus" in got.stderr
        assert "cannot tell which store holds the leases" in got.envelope["hookSpecificOutput"][
            "permissionDecisionReason"]
    read = call_hook("pretool", {**edit(ws, "src/app.py"), "tool_name": "Read",
                                 "tool_input": {"file_path": str(ws / "src/app.py")}})
    assert read.code == 0


def test_an_unreadable_store_denies_writes_whatever_on_error_says(ws: Path) -> None:
    (ws / "not-a-db").write_text("garbage " * 200)
    for hooks in ('\n[hooks]\non_error = "deny"\n', ""):
        (ws / "dos.toml").write_text(DOS_TOML + '\n[store]\npath = "not-a-db"\n' + hooks)
        got = call_hook("pretool", edit(ws, "src/app.py"))
        assert got.code == 2, got
        assert "cannot read its lease store" in got.envelope["hookSpecificOutput"]["permissionDecisionReason"]
    read = call_hook("pretool", {**edit(ws, "src/app.py"), "tool_name": "Read"})
    assert (read.code, read.stdout) == (0, ""), "a read needs no store"


def test_on_error_governs_internal_faults(ws: Path, monkeypatch) -> None:
    """An internal fault (here a dialect that raises) follows on_error: deny at pretool, else allow."""
    import dos.service.pretool as pretool

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(pretool, "decide", broken)
    got = call_hook("pretool", edit(ws, "src/app.py"))
    assert (got.code, got.stdout) == (0, "") and "warning: RuntimeError: boom" in got.stderr
    (ws / "dos.toml").write_text(DOS_TOML + '\n[hooks]\non_error = "deny"\n')
    got = call_hook("pretool", edit(ws, "src/app.py"))
    assert got.code == 2 and "on_error" in got.envelope["hookSpecificOutput"]["permissionDecisionReason"]


def test_a_hook_command_line_dos_cannot_read_follows_on_error(ws: Path, monkeypatch) -> None:
    """A typo in the installed command must not block every call of every session (on_error = allow)."""
    monkeypatch.chdir(ws)
    got = call_hook("pretool", edit(ws, "src/app.py"), dialect="nosuch")
    assert (got.code, got.stdout) == (0, "") and "unknown --dialect" in got.stderr
    (ws / "dos.toml").write_text(DOS_TOML + '\n[hooks]\non_error = "deny"\n')
    got = call_hook("pretool", edit(ws, "src/app.py"), dialect="nosuch")
    assert got.code == 2 and "unknown --dialect" in got.stderr
    assert call_hook("posttool", edit(ws, "src/app.py"), extra=("--bogus",)).code == 0


def test_reads_touch_no_store(repo) -> None:
    """A read-only call decides without opening (or creating) the store."""
    payload = {"session_id": "s", "cwd": str(repo.path), "hook_event_name": "PreToolUse", "tool_name": "Read",
               "tool_input": {"file_path": str(repo.path / "a")}}
    assert call_hook("pretool", payload).code == 0
    assert not (repo.path / ".dos" / "store.sqlite3").exists()


def test_workspace_is_found_by_walking_up_from_the_event_cwd(ws: Path) -> None:
    (ws / "docs" / "deep").mkdir()
    payload = edit(ws, "docs/guide.md")
    payload["cwd"] = str(ws / "docs" / "deep")
    payload["tool_input"] = {"file_path": "../guide.md"}
    got = call_hook("pretool", payload)
    assert got.code == 2 and "docs/guide.md" in got.stderr


def test_released_lease_no_longer_blocks(ws: Path) -> None:
    with store_of(ws) as store:
        store.release(lane="docs", holder="agentB")
    assert call_hook("pretool", edit(ws, "docs/guide.md")).code == 0


def test_a_workspace_reached_through_a_symlink_is_not_outside(ws: Path, tmp_path: Path) -> None:
    """The host may name files through a symlinked path to the workspace; they are still inside it."""
    link = tmp_path / "link-to-ws"
    link.symlink_to(ws)
    payload = edit(ws, "docs/guide.md")
    payload["tool_input"] = {"file_path": str(link / "docs" / "guide.md")}
    got = call_hook("pretool", payload)
    assert got.code == 2 and "inside lane 'docs'" in got.stderr
    payload["tool_input"] = {"file_path": str(link / "src" / "app.py")}
    assert call_hook("pretool", payload).code == 0


def test_a_verified_claim_is_not_verified_again_until_head_moves(ws: Path, repo) -> None:
    """The stop's fast path: a ship proven at this HEAD is remembered; a new commit asks git again."""
    repo.commit("AUTH1: implement login")
    assert call_hook("stop", stop_event(ws, False)).code == 0
    no_git = {"PATH": "/nonexistent", "HOME": os.environ["HOME"]}
    got = call_hook("stop", stop_event(ws, False), env=no_git)
    assert (got.code, got.stderr) == (0, ""), "answered from the remembered ship, without git"
    repo.git("revert", "--no-edit", "HEAD")
    assert call_hook("stop", stop_event(ws, False)).code == 2, "HEAD moved: verified again, and refused"


def test_a_remembered_ship_stops_without_rewriting_the_sessions_files(ws: Path, repo) -> None:
    """The common stop (a claim proven at this HEAD) reads its cache and writes nothing back;
    a damaged cache is not trusted: the claim is verified again."""
    repo.commit("AUTH1: implement login")
    assert call_hook("stop", stop_event(ws, False)).code == 0
    streams = sorted(p for p in (ws / ".dos").rglob("*.json") if "sess-A" in str(p))
    assert streams, "the first stop remembers the ship"
    before = {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in streams}
    assert call_hook("stop", stop_event(ws, False)).code == 0
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in streams} == before
    cache, = [p for p in streams if p.name.endswith(".shipped.json")]
    remembered = json.loads(cache.read_text())
    cache.write_text(json.dumps({"key": remembered["key"], "claims": [[1, 2]]}))
    assert call_hook("stop", stop_event(ws, False)).code == 0
    assert json.loads(cache.read_text()) == remembered, "verified again and remembered afresh"
