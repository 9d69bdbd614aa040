"""Paths are resolved before they are judged: symlinks, ``..``, ``~`` and the root, on a real file system.

The property at the end holds the hook to the arbiter: for random lanes, leases of another
session, symlinks and write paths, the hook denies exactly when the arbiter would refuse a
lease on the region the path really reaches.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from dos.config import Workspace, load_config
from dos.hooks.__main__ import main as hook_main
from dos.kernel.arbiter import arbitrate
from dos.kernel.lanes import LaneRequest
from dos.service.context import open_store
from dos.service.paths import resolve


def _ws(tmp: Path) -> Path:
    ws = (tmp / "ws").resolve()
    (ws / "api").mkdir(parents=True)
    (ws / "web").mkdir()
    return ws


def test_relative_paths_join_the_calls_directory(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    got = resolve(["a.py", "../web/b.py", "/x/y"], root=str(ws), base=str(ws / "api"), env={})
    assert got.inside == ["api/a.py", "web/b.py"] and got.outside == ["/x/y"] and not got.unjudged


def test_symlinks_are_judged_as_the_region_they_reach(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    os.symlink("api", ws / "alias")
    os.symlink("../api/a.py", ws / "web" / "evil.py")
    os.symlink(str(tmp_path), ws / "out")
    got = resolve(["alias/a.py", "web/evil.py", "out/x"], root=str(ws), base=str(ws), env={})
    assert got.inside == ["api/a.py", "api/a.py"] and got.outside == ["out/x"]


def test_the_root_itself_and_above(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    got = resolve([".", str(ws), "api/..", "..", "../ws"], root=str(ws), base=str(ws), env={})
    assert got.inside == ["", "", "", ""] and got.outside == [".."]


def test_home_forms_and_devices(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    env = {"HOME": str(ws / "web")}
    got = resolve(["~/h.py", "~", "/dev/null", "/dev/stderr", "/dev/fd/2", "/dev/../etc/x", "~nosuchuser9/x"],
                  root=str(ws), base=str(ws), env=env)
    assert got.inside == ["web/h.py", "web", "~nosuchuser9/x"] and got.outside == ["/dev/../etc/x"]
    none = resolve(["~/x"], root=str(ws), base=str(ws), env={})
    assert none.unjudged and "HOME" in none.unjudged[0][1]


def test_what_cannot_be_resolved_is_unjudged_never_dropped(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    (ws / "api" / "a.py").write_text("a")
    os.link(ws / "api" / "a.py", ws / "web" / "h.py")
    got = resolve(["web/a\0.py", "web/*/../../api/a.py", "web/h.py"], root=str(ws), base=str(ws), env={})
    assert [why.split()[0] for _, why in got.unjudged] == ["it", "'..'", "it"]
    assert not got.inside and not got.outside


def test_allowed_outside_directories(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    got = resolve([str(scratch / "x"), str(tmp_path / "y")], root=str(ws), base=str(ws), env={},
                  allowed_outside=[str(scratch)])
    assert got.outside == [str(tmp_path / "y")] and not got.inside


# --------------------------------------------------------------------------- the property

LANE_NAMES = ("api", "web", "docs", "lib")
SEGMENTS = st.sampled_from(["api", "web", "docs", "lib", "x.py", "sub", "..", ".", "link", "alias", "API"])


@st.composite
def worlds(draw):
    held = draw(st.lists(st.sampled_from(LANE_NAMES), unique=True, max_size=3))
    links = draw(st.dictionaries(st.sampled_from(["link", "alias", "web/link", "docs/alias"]),
                                 st.sampled_from(["api", "web", "../api", "..", "/tmp", "lib/sub"]), max_size=3))
    path = "/".join(draw(st.lists(SEGMENTS, min_size=1, max_size=5)))
    return held, links, path


def _expected(ws: Path, store, rel_or_outside: str | None) -> bool:
    """Would the arbiter refuse a lease on the region the path reaches (outside: always refused)?"""
    if rel_or_outside is None:
        return True
    live = store.live_leases()
    if not live:
        return False
    request = LaneRequest(lane="probe", kind="keyword", tree=(rel_or_outside,))
    return not arbitrate(request, live, store.taxonomy).granted


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(worlds())
def test_the_hook_agrees_with_the_arbiter_on_the_resolved_path(tmp_path_factory, world) -> None:
    held, links, path = world
    base = tmp_path_factory.mktemp("prop")
    ws = (base / "ws").resolve()
    for lane in LANE_NAMES:
        (ws / lane / "sub").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    trees = "".join(f'{n} = ["{n}/**"]\n' for n in LANE_NAMES)
    (ws / "dos.toml").write_text(f'[lanes]\nconcurrent = {json.dumps(list(LANE_NAMES))}\nexclusive = []\n\n'
                                 f"[lanes.trees]\n{trees}")
    for at, target in links.items():
        try:
            os.symlink(target, ws / at)
        except FileExistsError:
            pass
    store = open_store(Workspace(ws, "--workspace"), load_config(ws))
    try:
        for lane in held:
            assert store.acquire(LaneRequest(lane=lane), holder="bob", session="other").granted
        real = os.path.realpath(ws / path)
        rel = "" if real == str(ws) else (real[len(str(ws)) + 1:] if real.startswith(str(ws) + "/") else None)
        expected = _expected(ws, store, rel)
    finally:
        store.close()
    payload = {"session_id": "me", "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Write",
               "tool_input": {"file_path": path}}
    out = io.StringIO()
    code = hook_main(["pretool", "--workspace", str(ws)], io.StringIO(json.dumps(payload)), out, io.StringIO(),
                     {"HOME": str(base)})
    denied = code == 2 and json.loads(out.getvalue())["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert denied == expected, (held, links, path, rel, out.getvalue())
