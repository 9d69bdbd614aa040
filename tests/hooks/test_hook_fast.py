"""The fast ALLOW path: certain allows only, the same answers as the full path, a short import list."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hookkit import call_hook, hold
from tests_support import hook_env

from dos.hooks.fast import SELF_MODIFY_ROOT, allows
from dos.kernel.admission import SELF_MODIFY_FILES


def edit(ws: Path, rel: str, session: str = "sess-A", tool: str = "Edit") -> str:
    return json.dumps({"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": tool,
                       "tool_input": {"file_path": str(ws / rel)}})


def test_fast_path_allows_only_what_the_full_path_allows(ws: Path) -> None:
    argv = ["pretool"]
    assert allows(argv, edit(ws, "src/app.py"), {}) is True
    assert allows(argv, edit(ws, "docs/guide.md"), {}) is False
    assert call_hook("pretool", json.loads(edit(ws, "docs/guide.md"))).code == 2
    assert allows(argv, edit(ws, "other/new.txt"), {}) is True
    assert allows(argv, edit(ws, "docs/guide.md", tool="Read"), {}) is True
    assert allows(argv, edit(ws, "docs/guide.md", session="sess-B"), {}) is True


def test_fast_path_hands_anything_uncertain_to_the_full_path(ws: Path) -> None:
    bash = json.dumps({"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PreToolUse",
                       "tool_name": "Bash", "tool_input": {"command": "make"}})
    assert allows(["pretool"], bash, {}) is False  # warns (another session holds docs): not an allow
    assert allows(["posttool"], edit(ws, "src/app.py"), {}) is False
    assert allows(["pretool", "--debug"], edit(ws, "src/app.py"), {}) is False
    assert allows(["pretool"], edit(ws, "src/app.py"), {"DOS_FENCE": "3"}) is False
    assert allows(["pretool"], edit(ws, "src/dos/kernel/x.py"), {}) is False
    assert allows(["pretool"], json.dumps({"session_id": "s", "cwd": str(ws), "hook_event_name": "PreToolUse",
                                           "tool_name": "Write", "tool_input": {"file_path": "/etc/x"}}), {}) is False



def test_an_expired_lease_of_another_session_does_not_block(repo) -> None:
    from hookkit import DOS_TOML

    repo.write("dos.toml", DOS_TOML)
    hold(repo.path, "docs", "agentB", "sess-B", ttl_ms=1)
    import time

    time.sleep(0.01)
    assert allows(["pretool"], edit(repo.path, "docs/guide.md"), {}) is True


def test_every_self_modify_file_lives_under_the_fast_paths_guard() -> None:
    """The fast path defers anything under src/dos; the kernel's list must stay inside it."""
    assert all(p.startswith(SELF_MODIFY_ROOT + "/") for p in SELF_MODIFY_FILES)


def test_fast_allow_imports_no_heavy_modules(ws: Path) -> None:
    """With the config cache warm, the common allow loads no CLI, dataclasses, typing, sqlite3 wrapper or store."""
    assert allows(["pretool"], edit(ws, "src/app.py"), {}) is True  # warms .dos/cache
    probe = ("import sys, io; from dos.hooks.fast import main; "
             "code = main(['pretool'], io.StringIO(sys.argv[1])); heavy = sorted(m for m in sys.modules if m in "
             "('argparse', 'dataclasses', 'typing', 'sqlite3', 'pathlib', 'dos.store', 'dos.config', "
             "'dos.cli', 'rich', 'psycopg', 'mcp', 'dos.hooks.runner')); print(code, heavy)")
    got = subprocess.run([sys.executable, "-c", probe, edit(ws, "src/app.py")], capture_output=True, text=True,
                         cwd=ws, env=hook_env(), timeout=60)
    assert got.stdout.strip() == "0 []", got.stdout + got.stderr


def test_fast_and_full_paths_agree_over_odd_tree_shapes(repo) -> None:
    """Leases with odd trees (case, ./, globs, several entries, empty) get the same answer on both paths."""
    import io

    from hookkit import store_of

    from dos.hooks.fast import decide
    from dos.hooks.runner import main as full
    from dos.kernel.lanes import LaneRequest

    trees = [("Docs/**",), ("./lib/x/",), ("ui-*",), ("zzz", "tools/**"), ("a\\b/*",), ("/abs/**",)]
    names = [f"l{i}" for i in range(len(trees))]
    repo.write("dos.toml", "[lanes]\nconcurrent = " + json.dumps(names) + '\nexclusive = ["global"]\n\n'
               "[lanes.trees]\n" + "".join(f"{n} = {json.dumps(list(t))}\n" for n, t in zip(names, trees))
               + 'global = ["**/*"]\n')
    with store_of(repo.path) as store:
        for i, name in enumerate(names):
            got = store.acquire(LaneRequest(lane=name), holder=f"h{i}", session=f"S{i}")
            assert got.lease is not None, got.decision.reason
    for rel in ("docs/x.md", "DOCS/y", "lib/x/z.py", "lib/y.py", "ui-kit/a", "tools/t.sh", "a/b/c", "abs/q",
                "free/f.txt", "zzz"):
        raw = edit(repo.path, rel, session="S-other")
        fast = decide(["pretool"], raw, {})
        out, err = io.StringIO(), io.StringIO()
        code = full(["pretool"], io.StringIO(raw), out, err, {})
        assert fast is not None, rel
        assert fast == (out.getvalue(), code, err.getvalue()), rel


def test_a_lease_without_a_tree_warns_on_both_paths(repo) -> None:
    """A tree-less lease is an unknown region: both paths warn (the default setting), neither allows silently."""
    import io

    from hookkit import store_of

    from dos.hooks.fast import decide
    from dos.hooks.runner import main as full
    from dos.kernel.lanes import LaneRequest

    repo.write("dos.toml", '[lanes]\nconcurrent = ["blind"]\nexclusive = ["global"]\n\n[lanes.trees]\nglobal = ["**/*"]\n')
    with store_of(repo.path) as store:
        assert store.acquire(LaneRequest(lane="blind"), holder="hb", session="Sb").lease.tree == ()
    raw = edit(repo.path, "anything/x.py", session="S-other")
    out, err = io.StringIO(), io.StringIO()
    code = full(["pretool"], io.StringIO(raw), out, err, {})
    assert decide(["pretool"], raw, {}) == (out.getvalue(), code, err.getvalue())
    assert code == 0 and "no tree" in json.loads(out.getvalue())["hookSpecificOutput"]["additionalContext"]


def test_unknown_footprint_is_settled_on_the_fast_path_like_the_full_path(ws: Path) -> None:
    """A shell command we cannot read: a warning while another session holds a lease, else silence."""
    import io

    from dos.hooks.fast import decide
    from dos.hooks.runner import main as full

    bash = {"session_id": "sess-A", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": "make -j4"}}
    for session, expect_warn in (("sess-A", True), ("sess-B", True)):
        raw = json.dumps(dict(bash, session_id=session))
        out, err = io.StringIO(), io.StringIO()
        code = full(["pretool"], io.StringIO(raw), out, err, {})
        assert decide(["pretool"], raw, {}) == (out.getvalue(), code, err.getvalue())
        assert bool(out.getvalue()) is expect_warn
    from hookkit import store_of

    with store_of(ws) as store:
        store.release(lane="docs", holder="agentB")
    raw = json.dumps(bash)
    assert decide(["pretool"], raw, {}) == ("", 0, ""), "only sess-A's own lease is left"


def test_fast_path_sql_matches_the_store_schema() -> None:
    """The fast path reads leases and writes ENFORCE rows itself; its column lists are the store's."""
    from dos.hooks.fast import LEASE_COLUMNS
    from dos.store.schema import EVENT_COLUMNS, LEASE_COLUMNS as STORE_LEASE_COLUMNS

    assert LEASE_COLUMNS == STORE_LEASE_COLUMNS
    assert set(EVENT_COLUMNS) - {"seq"} == {"ts_ms", "op", "lane", "lease_id", "holder", "host_id", "reason", "data"}


def test_fast_deny_records_the_same_event_as_the_store_would(ws: Path) -> None:
    """An ENFORCE row the fast path wrote reads back through the store API like any other event."""
    from hookkit import store_of

    from dos.kernel.lease import Op

    got = call_hook("pretool", json.loads(edit(ws, "docs/guide.md")))
    assert got.code == 2
    with store_of(ws) as store:
        (event,) = store.events(ops=[Op.ENFORCE])
        assert store.live_leases(), "the store still reads its own file after the fast path wrote to it"
    assert (event.op, event.holder, event.lane, event.data["intervention"], event.data["token"]) == (
        Op.ENFORCE, "sess-A", "docs", "DENY", "COLLISION")
