"""The home index through the real CLI: a workspace is listed once however often it registers, reindex is
idempotent, --prune drops a deleted workspace, and learn rolls up refusals, denials and oracle verdicts."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

from dos.service import home

LANES = '[lanes]\nconcurrent = ["api", "web"]\nexclusive = ["global"]\n[lanes.trees]\napi = ["api/**"]\nweb = ["web/**"]\n'


def _ws(make_repo, name, run_dos):
    """A real repo registered the way a user registers one: its first remembered fact creates .dos/."""
    r = make_repo(name)
    r.commit("init", {"dos.toml": LANES, "a.txt": "a\n"})
    done = run_dos("memory", "remember", "seed", "--file", "a.txt", "--text", "t", cwd=r.path)
    assert done.returncode == 0, done.stderr
    return r


def _projects(run_dos, *flags):
    done = run_dos("projects", "--json", *flags)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _index_dump() -> tuple[list, list]:
    conn = sqlite3.connect(home.index_path())
    try:
        rows = conn.execute("SELECT * FROM projects ORDER BY root").fetchall()
        decisions = conn.execute("SELECT * FROM decisions ORDER BY root, seq").fetchall()
    finally:
        conn.close()
    last = home.PROJECT_COLS.index("last_indexed_ms")
    return [r[:last] + r[last + 1:] for r in rows], decisions


def _journal_some_decisions(r, run_dos):
    env = {"DISPATCH_OBSERVE": "1"}
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=r.path, env=env).returncode == 0
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "b", cwd=r.path, env=env).returncode == 1
    event = {"hook_event_name": "PreToolUse", "tool_name": "Edit", "session_id": "s1", "cwd": str(r.path),
             "tool_input": {"file_path": str(r.path / "api" / "x.py")}}
    hook = run_dos("hook", "pretool", input=json.dumps(event), cwd=r.path, env=env)
    assert "deny" in hook.stdout, hook.stdout + hook.stderr
    assert run_dos("verify", "NOPE", "NOPE1", cwd=r.path, env=env).returncode == 1


def test_a_workspace_is_listed_once_however_often_it_registers(make_repo, run_dos):
    r = _ws(make_repo, "alpha", run_dos)
    assert run_dos("memory", "remember", "two", "--file", "a.txt", "--text", "t", cwd=r.path).returncode == 0
    assert home.register(r.path) and home.register(str(r.path) + "/")
    rows = _projects(run_dos)
    assert [(p["label"], p["root"], p["status"]) for p in rows] == [("alpha", str(r.path), "active")]
    assert set(rows[0]) >= {"schema", "project_id", "label", "root", "dos_dir", "status", "first_seen",
                            "last_indexed", "run_count", "refusal_count", "wedge_count"}


def test_reindex_twice_gives_the_same_index(make_repo, run_dos):
    a = _ws(make_repo, "alpha", run_dos)
    _ws(make_repo, "beta", run_dos)
    _journal_some_decisions(a, run_dos)
    first = run_dos("reindex", "--json")
    assert first.returncode == 0, first.stderr
    dump1 = _index_dump()
    second = run_dos("reindex", "--json")
    assert json.loads(first.stdout) == json.loads(second.stdout)
    assert _index_dump() == dump1
    out = json.loads(second.stdout)
    assert (out["projects"], out["active"], out["stale"], out["id_collisions"]) == (2, 2, 0, 0)
    assert out["decisions"] == 3  # the refused acquire, the hook's deny, the verify verdict
    assert set(out) >= {"active", "stale", "moved", "throwaway", "id_collisions", "projects", "decisions"}
    text = run_dos("reindex")
    assert text.stdout.startswith("reindexed 2 project(s): 2 active, 0 stale, 0 moved · 3 decision(s)")
    alpha = next(p for p in _projects(run_dos) if p["label"] == "alpha")
    assert (alpha["refusal_count"], alpha["wedge_count"]) == (1, 1)


def test_prune_drops_a_deleted_workspace(make_repo, run_dos):
    keep = _ws(make_repo, "keep", run_dos)
    gone = _ws(make_repo, "gone", run_dos)
    assert run_dos("reindex").returncode == 0
    shutil.rmtree(gone.path)
    assert [p["root"] for p in _projects(run_dos, "--stale")] == [str(gone.path)]
    plain = json.loads(run_dos("reindex", "--json").stdout)
    assert (plain["stale"], plain["projects"], plain["pruned"]) == (1, 2, [])
    pruned = json.loads(run_dos("reindex", "--prune", "--json").stdout)
    assert (pruned["projects"], pruned["stale"], pruned["pruned"]) == (1, 0, [str(gone.path)])
    assert [p["root"] for p in _projects(run_dos)] == [str(keep.path)]
    assert _projects(run_dos, "--stale") == []


def test_learn_rolls_up_every_workspace(make_repo, run_dos):
    a = _ws(make_repo, "alpha", run_dos)
    b = _ws(make_repo, "beta", run_dos)
    _journal_some_decisions(a, run_dos)
    _journal_some_decisions(b, run_dos)
    assert run_dos("reindex").returncode == 0

    def learn(axis):
        done = run_dos("learn", axis, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    lanes = learn("lane-refusals")
    assert [(g["key"], g["count"], g["refusals"], g["wedges"], g["projects"]) for g in lanes["groups"]] == [
        ("api", 4, 2, 2, 2)]
    assert lanes["groups"][0]["reasons"] == {"COLLISION": 2, "LANE_HELD": 2}
    hot = learn("wedge-hotspots")
    assert [(g["key"], g["count"]) for g in hot["groups"]] == [("alpha", 2), ("beta", 2)]
    oracle = learn("oracle-calibration")
    assert [(g["key"], g["count"], g["positive_rate"]) for g in oracle["groups"]] == [("verify/none", 2, 0.0)]
    text = run_dos("learn", "lane-refusals")
    assert text.returncode == 0 and "api" in text.stdout and "COLLISION 2" in text.stdout


def test_learn_with_no_data_says_to_reindex(run_dos):
    done = run_dos("learn", "wedge-hotspots")
    assert done.returncode == 0
    assert done.stdout.startswith("no resolved decisions to aggregate for 'wedge-hotspots' · run `dos reindex`")
    assert not home.index_path().exists()  # a read never creates the home


def test_bad_axis_and_flags_exit_2(run_dos):
    done = run_dos("learn", "bogus")
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_a_broken_workspace_is_unreadable_not_a_crash(make_repo, run_dos):
    r = _ws(make_repo, "broken", run_dos)
    (r.path / "dos.toml").write_text("[lanes\n")
    done = run_dos("reindex", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["unreadable"] == 1
    row = _projects(run_dos)[0]
    assert row["status"] == "unreadable" and row["problem"]


def test_temp_dir_roots_stay_out_without_dispatch_home(tmp_path):
    """The reference's rule: a root under the OS temp dir registers only when DISPATCH_HOME is set."""
    env = {"HOME": str(tmp_path / "h")}
    root = Path(os.path.realpath(tmp_path)) / "ws"
    root.mkdir()
    import tempfile

    if Path(os.path.realpath(tempfile.gettempdir())) in root.parents:
        assert home.register(root, env=env) is False
        assert not home.index_path(env).exists()
    assert home.register(root, env={"DISPATCH_HOME": str(tmp_path / "dh")}) is True
    assert home.index_path({"DISPATCH_HOME": str(tmp_path / "dh")}).is_file()


def test_dos_init_and_a_new_store_register_the_workspace(make_repo, run_dos):
    inited = make_repo("inited")
    inited.commit("init", {"a.txt": "a\n"})
    assert run_dos("init", cwd=inited.path).returncode == 0
    stored = make_repo("stored")
    stored.commit("init", {"dos.toml": LANES, "a.txt": "a\n"})
    assert [p["label"] for p in _projects(run_dos)] == ["inited"], "reading commits registers nothing"
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=stored.path).returncode == 0
    assert sorted(p["label"] for p in _projects(run_dos)) == ["inited", "stored"]
