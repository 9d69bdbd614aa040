"""The hook judges from one small published file per first path segment plus the wide leases.

Each test drives the real store and the real hook entry point; the failures are real files
in the way of the writer (a directory where a file must go), not patched functions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dos.kernel.lanes import LaneRequest
from dos.store import snapshot
from tests.hooks.hookkit import call_hook, store_of
from tests.store.storehelp import write_lanes

LANES = {"ax": ["a/x/**"], "az": ["a/z/**"], "b": ["b/**"], "src": ["Src/**"], "uni": ["Ünï/**"],
         "glob": ["doc*"], "any": ["**/*"], "odd": ["q[1]/**"], "long": ["L" * 240 + "/**"]}


def _ws(repo) -> Path:
    write_lanes(repo.path, LANES)
    repo.commit("lanes")
    return repo.path


def _edit(ws: Path, rel: str, session: str) -> dict:
    return {"session_id": session, "cwd": str(ws), "hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": str(ws / rel), "old_string": "a", "new_string": "b"}}


def _denied(ws: Path, rel: str, session: str = "me") -> bool:
    got = call_hook("pretool", _edit(ws, rel, session))
    assert got.code in (0, 2), got.stderr
    return got.code == 2


def _acquire(ws: Path, lane: str, holder: str):
    with store_of(ws) as store:
        got = store.acquire(LaneRequest(lane=lane), holder=holder, session=holder, ttl_ms=3_600_000)
    assert got.lease is not None, got.decision.reason
    return got.lease


def _files(ws: Path) -> dict[str, dict]:
    d = Path(snapshot.dir_for(str(ws / ".dos" / "store.sqlite3")))
    return {p.name: json.loads(p.read_text()) for p in d.iterdir() if p.name.startswith("h-") and p.name.endswith(".json")}


def _store_path(ws: Path) -> str:
    with store_of(ws) as store:
        return store.engine.location


def test_a_lease_is_published_under_its_case_folded_head_and_denies_every_spelling(repo) -> None:
    ws = _ws(repo)
    _acquire(ws, "src", "other")
    _acquire(ws, "uni", "other")
    files = _files(ws)
    assert [x["lane"] for x in files["h-src.json"]["leases"]] == ["src"]
    assert files[snapshot.head_file("ünï")]["head"] == "ünï"
    assert all(n.isascii() for n in files), "names are ASCII"
    assert _denied(ws, "SRC/app.py") and _denied(ws, "src/app.py") and _denied(ws, "ÜNÏ/x.md")
    assert not _denied(ws, "b/x.py") and not _denied(ws, "srcs/x.py")


def test_a_release_removes_the_lease_from_its_head_file_and_the_last_one_removes_the_file(repo) -> None:
    ws = _ws(repo)
    _acquire(ws, "ax", "p")
    _acquire(ws, "az", "q")
    assert sorted(x["lane"] for x in _files(ws)["h-a.json"]["leases"]) == ["ax", "az"]
    with store_of(ws) as store:
        store.release(lane="ax", holder="p")
    assert [x["lane"] for x in _files(ws)["h-a.json"]["leases"]] == ["az"]
    assert not _denied(ws, "a/x/f.py") and _denied(ws, "a/z/f.py")
    with store_of(ws) as store:
        store.release(lane="az", holder="q")
    assert "h-a.json" not in _files(ws)
    assert not _denied(ws, "a/z/f.py")
    assert snapshot.read(snapshot.path_for(_store_path(ws)), snapshot.keys(["a"])) == {"leases": []}, "no file: no lease"


def test_wide_leases_reach_every_path(repo) -> None:
    """A universal tree, a glob inside the first segment, a glob-ish first segment, a head too
    long for a file name: each is in the marker, so a reader of any head sees it."""
    ws = _ws(repo)
    for lane in ("glob", "odd", "long"):
        _acquire(ws, lane, f"h-{lane}")
    marker = json.loads(Path(snapshot.path_for(_store_path(ws))).read_text())
    assert sorted(x["lane"] for x in marker["wide"]) == ["glob", "long", "odd"]
    assert not _files(ws), "no head file for any of them"
    for heads in (snapshot.keys(["src"]), snapshot.keys(["zzz"]), []):
        got = snapshot.read(snapshot.path_for(_store_path(ws)), heads)
        assert sorted(x.lane for x in got["leases"]) == ["glob", "long", "odd"]
    assert _denied(ws, "docs/x.md")  # doc*
    assert _denied(ws, "q1/x.py")  # q[1]/** is the name prefix q...
    assert _denied(ws, "l" * 240 + "/x.py")
    with store_of(ws) as store:
        for lane in ("glob", "odd", "long"):
            store.release(lane=lane, holder=f"h-{lane}")
    _acquire(ws, "any", "everyone")
    assert _denied(ws, "b/x.py") and _denied(ws, "zzz/y") and _denied(ws, "Src/a.py")


def test_a_head_file_that_cannot_be_written_never_lets_a_write_through(repo) -> None:
    """The new lease's head file is blocked: its old content stays, the marker goes, the hook
    asks the store and denies; the next write rebuilds every file."""
    ws = _ws(repo)
    _acquire(ws, "ax", "p")
    location = _store_path(ws)
    blocked = Path(snapshot.dir_for(location)) / f"h-a.json.{os.getpid()}.tmp"
    blocked.mkdir()  # the writer's temporary file cannot be created
    (blocked / "keep").write_text("x")
    _acquire(ws, "az", "q")
    assert [x["lane"] for x in _files(ws)["h-a.json"]["leases"]] == ["ax"], "the old content, not nothing"
    assert snapshot.read(snapshot.path_for(location), snapshot.keys(["a"])) is None, "readers are sent to the store"
    assert _denied(ws, "a/z/f.py", session="p"), "the store's lease denies"
    assert _denied(ws, "a/x/f.py", session="q")
    (blocked / "keep").unlink()
    blocked.rmdir()
    _acquire(ws, "b", "r")
    assert sorted(x["lane"] for x in _files(ws)["h-a.json"]["leases"]) == ["ax", "az"], "rebuilt"
    got = snapshot.read(snapshot.path_for(location), snapshot.keys(["a"]))
    assert sorted(x.lane for x in got["leases"]) == ["ax", "az"]
    assert _denied(ws, "a/z/f.py", session="p")


def test_a_marker_that_cannot_be_written_is_removed_and_the_hook_asks_the_store(repo) -> None:
    ws = _ws(repo)
    _acquire(ws, "b", "p")
    location = _store_path(ws)
    blocked = Path(f"{snapshot.path_for(location)}.{os.getpid()}.tmp")
    blocked.mkdir()
    _acquire(ws, "glob", "q")  # a wide lease: only the marker changes, and it cannot be written
    assert not Path(snapshot.path_for(location)).exists()
    assert _denied(ws, "docs/a.md", session="p")
    blocked.rmdir()


def test_an_unreadable_head_file_of_another_head_is_never_read(repo) -> None:
    """What makes the hook flat: judging src reads the marker and h-src.json only."""
    ws = _ws(repo)
    _acquire(ws, "src", "p")
    _acquire(ws, "b", "q")
    location = _store_path(ws)
    other = Path(snapshot.dir_for(location)) / "h-b.json"
    other.write_text("{torn")
    got = snapshot.read(snapshot.path_for(location), snapshot.keys(["src"]))
    assert [x.lane for x in got["leases"]] == ["src"]
    assert snapshot.read(snapshot.path_for(location), snapshot.keys(["b"])) is None, "a torn file of a judged head: the store"
    assert snapshot.read(snapshot.path_for(location)) is None, "and a reader of everything"
    assert _denied(ws, "b/x.py", session="p") and _denied(ws, "src/x.py", session="q")
    other.unlink()
    other.mkdir()  # there, but not a regular file: never read as "no lease"
    assert snapshot.read(snapshot.path_for(location), snapshot.keys(["b"])) is None
    assert _denied(ws, "b/x.py", session="p")
    other.rmdir()


def test_files_of_an_older_layout_or_a_moved_store_are_replaced(repo) -> None:
    ws = _ws(repo)
    _acquire(ws, "ax", "p")
    location = _store_path(ws)
    marker = Path(snapshot.path_for(location))
    marker.write_text(json.dumps({"version": 1, "leases": [], "heads": {}, "wide": []}))
    stale = Path(snapshot.dir_for(location)) / "h-zzz.json"
    stale.write_text(json.dumps({"version": snapshot.VERSION, "head": "zzz", "leases": []}))
    assert snapshot.read(str(marker), snapshot.keys(["a"])) is None, "a version-1 file sends the hook to the store"
    assert _denied(ws, "a/x/f.py")
    _acquire(ws, "b", "q")
    assert json.loads(marker.read_text())["version"] == snapshot.VERSION
    assert not stale.exists(), "the rebuild removed a head file no lease has"
    assert sorted(_files(ws)) == ["h-a.json", "h-b.json"]
    # the store moved aside: a new store starts with nothing published
    for suffix in ("", "-wal", "-shm"):
        Path(location + suffix).unlink(missing_ok=True)
    assert Path(snapshot.dir_for(location)).is_dir()
    _acquire(ws, "src", "r")
    assert sorted(_files(ws)) == ["h-src.json"]
    assert not _denied(ws, "a/x/f.py")


SPLIT_LANES = {**{f"w{i}": [f"w/{i}/**"] for i in range(4)}, "wtop": ["w/top.py"], "wpart": ["w/p*"]}


def test_a_crowded_head_splits_by_its_next_segment_and_joins_again(repo, monkeypatch) -> None:
    """Past SPLIT_AT leases a head file keeps only the leases no child can hold (``w/p*``); each
    child holds its own; the hook still denies every held path, and the file joins again once few remain."""
    monkeypatch.setattr(snapshot, "SPLIT_AT", 2)
    monkeypatch.setattr(snapshot, "UNSPLIT_AT", 1)
    write_lanes(repo.path, SPLIT_LANES)
    repo.commit("lanes")
    ws = repo.path
    _acquire(ws, "w0", "p0")
    _acquire(ws, "w1", "p1")
    assert [n for n in _files(ws) if n.startswith("h-w")] == ["h-w.json"], "two leases: not split yet"
    _acquire(ws, "w2", "p2")
    _acquire(ws, "wpart", "pp")
    _acquire(ws, "wtop", "pt")
    files = _files(ws)
    assert sorted(n for n in files if n.startswith("h-w")) == ["h-w+0.json", "h-w+1.json", "h-w+2.json",
                                                             "h-w+top.py.json", "h-w.json"]
    top = files["h-w.json"]
    assert top["split"] and [x["lane"] for x in top["leases"]] == ["wpart"], top
    assert [x["lane"] for x in files["h-w+1.json"]["leases"]] == ["w1"] and files["h-w+1.json"]["head"] == "w/1"
    for rel in ("w/0/a.py", "W/2/b/c.py", "w/pq.txt", "w/top.py", "w", "w/1"):
        assert _denied(ws, rel), rel
    for rel in ("w/3/a.py", "w/top.py.bak", "w/q.txt"):
        assert not _denied(ws, rel), rel
    with store_of(ws) as store:
        for lane, holder in (("w0", "p0"), ("w1", "p1"), ("w2", "p2"), ("wtop", "pt")):
            store.release(lane=lane, holder=holder)
    files = _files(ws)
    assert [n for n in files if n.startswith("h-w")] == ["h-w.json"], "one lease left: joined again"
    assert "split" not in files["h-w.json"] and [x["lane"] for x in files["h-w.json"]["leases"]] == ["wpart"]
    assert _denied(ws, "w/pz") and not _denied(ws, "w/0/a.py")
