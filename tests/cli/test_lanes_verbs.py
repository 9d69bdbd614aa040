"""The lane verbs through the real CLI: JSON fields, exit codes, and what each writes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

LANES = """[lanes]
concurrent = ["api", "docs"]
exclusive = ["global"]
autopick = ["api", "docs"]
[lanes.trees]
api = ["api/**"]
docs = ["docs/**"]
global = ["**/*"]
"""


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "dos.toml").write_text(LANES)
    return root


def _json(r: subprocess.CompletedProcess[str]):
    assert "Traceback" not in r.stderr, r.stderr
    return json.loads(r.stdout)


def test_read_verbs_never_create_the_store(run_dos, ws: Path) -> None:
    for verb in (("arbitrate",), ("lease-lane", "live"), ("journal", "replay"), ("journal", "seq"),
                 ("journal", "tail"), ("lease", "status"), ("id-alloc", "peek", "x")):
        assert run_dos(*verb, cwd=ws).returncode == 0, verb
    assert not (ws / ".dos").exists()


def test_arbitrate_fields_exit_codes_and_explain(run_dos, ws: Path) -> None:
    r = run_dos("arbitrate", "--explain", cwd=ws)
    d = _json(r)
    assert r.returncode == 0 and set(d) == {"outcome", "lane", "lane_kind", "tree", "auto_picked", "reason",
                                             "free_clusters", "pick_count", "blocking"}
    assert d["lane"] == "api" and d["auto_picked"] is True and r.stderr.startswith("GO — ")
    bad = run_dos("arbitrate", "--leases", "{", cwd=ws)
    assert bad.returncode == 2 and bad.stderr.startswith("error: --leases is not valid JSON")
    given = json.dumps([{"lane": "global", "lane_kind": "global", "tree": ["**/*"]}])
    r = run_dos("arbitrate", "--lane", "docs", "--leases", given, "--explain", cwd=ws)
    assert r.returncode == 1 and _json(r)["outcome"] == "refuse" and r.stderr.startswith("STOP — ")


def test_acquire_output_run_id_session_and_ttl(run_dos, ws: Path) -> None:
    r = run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", "--session", "S1", "--ttl-seconds",
                "30", cwd=ws, env={"CID_RUN_ID": "RID-1M89ES9YZMT4QB2"})
    d = _json(r)
    assert r.returncode == 0 and d["journaled"] is True and d["owner"] == "a"
    assert d["run_id"] == "RID-1M89ES9YZMT4QB2" and d["lease"]["run_id"] == "RID-1M89ES9YZMT4QB2"
    assert d["lease"]["session"] == "S1" and d["lease"]["ttl_ms"] == 30_000
    refused = run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "b", cwd=ws)
    assert refused.returncode == 1 and _json(refused)["journaled"] is False
    assert run_dos("lease-lane", "acquire", "--lane", "x", "--owner", "b", "--ttl-seconds", "0",
                   cwd=ws).returncode == 2


def test_default_ttl_comes_from_the_store_table(run_dos, ws: Path) -> None:
    (ws / "dos.toml").write_text(LANES + "[store]\nlease_ttl_s = 42\n")
    d = _json(run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=ws))
    assert d["lease"]["ttl_ms"] == 42_000


def test_heartbeat_coalescing_writes_nothing_inside_the_window(run_dos, ws: Path) -> None:
    run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", cwd=ws)
    seq = run_dos("journal", "seq", cwd=ws).stdout
    r = run_dos("lease-lane", "heartbeat", "--lane", "api", "--owner", "a", "--coalesce-within-s", "600", cwd=ws)
    assert r.returncode == 0 and _json(r)["beat"] is True
    assert run_dos("journal", "seq", cwd=ws).stdout == seq
    assert run_dos("lease-lane", "heartbeat", "--lane", "api", "--owner", "a", cwd=ws).returncode == 0
    assert int(run_dos("journal", "seq", cwd=ws).stdout) == int(seq) + 1


def test_adopt_moves_the_lease_and_bumps_the_fence(run_dos, ws: Path) -> None:
    first = _json(run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "old", cwd=ws))
    r = run_dos("lease-lane", "adopt", "--lane", "api", "--owner", "new", cwd=ws)
    d = _json(r)
    assert r.returncode == 0 and d["adopted"] is True and d["lease_id"] == first["lease_id"]
    assert d["fence"] > first["fence"]
    assert run_dos("lease-lane", "heartbeat", "--lane", "api", "--owner", "old", cwd=ws).returncode == 1
    assert run_dos("lease-lane", "heartbeat", "--lane", "api", "--owner", "new", cwd=ws).returncode == 0
    assert run_dos("lease-lane", "adopt", "--lane", "docs", "--owner", "x", cwd=ws).returncode == 1


def test_release_by_lease_id_spawn_and_halt(run_dos, ws: Path) -> None:
    me = str(os.getpid())
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", "--pid", "999999999",
                   cwd=ws).returncode == 2
    got = _json(run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "a", "--pid", me, cwd=ws))
    halt = _json(run_dos("halt", "--handle", me, "--reason", "stuck", "--command", "kill 4242",
                         "--resumable", "--resume-sha", "abc", "--run-id", "RID-1M89EJA184MG000", cwd=ws))
    assert halt["lane"] == "api" and halt["recorded"] is True and halt["suspended"] is True
    spawn = run_dos("lease-lane", "spawn", "--lane", "docs", "--owner", "s", cwd=ws)
    assert spawn.returncode == 0 and _json(spawn)["recorded"] is True
    r = run_dos("lease-lane", "release", "--lease-id", got["lease_id"], cwd=ws)
    assert r.returncode == 0 and _json(r)["released"] is True
    tail = [json.loads(x) for x in run_dos("journal", "tail", "3", cwd=ws).stdout.splitlines()]
    assert [x["op"] for x in tail] == ["HALT", "SPAWN", "RELEASE"]
    assert tail[0]["command"] == "kill 4242" and tail[0]["lease_id"] == got["lease_id"]
    assert run_dos("lease-lane", "release", "--lane", "api", cwd=ws).returncode == 2
    plain = _json(run_dos("halt", "--handle", me, "--resumable", cwd=ws))
    assert plain["suspended"] is False and "--run-id" in plain["suspend_note"] and plain["command"] is None


def test_archive_lock_verbs(run_dos, ws: Path) -> None:
    assert run_dos("lease", "status", cwd=ws).stdout.strip() == "free"
    assert run_dos("lease", "acquire", "A", cwd=ws).stdout.strip() == "acquired A"
    assert run_dos("lease", "acquire", "A", cwd=ws).stdout.startswith("re-entrant A prev-acquired-at=")
    busy = run_dos("lease", "acquire", "B", "--retries", "0", cwd=ws)
    assert busy.returncode == 1 and busy.stderr.startswith("busy A age=")
    assert run_dos("lease", "status", cwd=ws).stdout.startswith("held A age=")
    warn = run_dos("lease", "release", "B", cwd=ws)
    assert warn.returncode == 0 and "WARN" in warn.stderr
    assert run_dos("lease", "release", "B", "--force", cwd=ws).stdout.strip() == "force-released (was: A)"
    assert run_dos("lease", "release", "A", cwd=ws).stdout.strip() == "released (no-lock)"
    short = run_dos("lease", "acquire", "C", "--ttl-seconds", "0.001", cwd=ws)
    assert short.returncode == 0
    assert run_dos("lease", "acquire", "D", "--retries", "0", cwd=ws).stdout.startswith("stole-stale D age=")


def test_journal_compact_keeps_replay_and_export_import_round_trip(run_dos, ws: Path, tmp_path: Path) -> None:
    for owner, lane in (("a", "api"), ("b", "docs")):
        run_dos("lease-lane", "acquire", "--lane", lane, "--owner", owner, cwd=ws)
    run_dos("lease-lane", "heartbeat", "--lane", "api", "--owner", "a", cwd=ws)
    run_dos("lease-lane", "release", "--lane", "docs", "--owner", "b", cwd=ws)
    before = _json(run_dos("journal", "replay", cwd=ws))
    c = _json(run_dos("journal", "compact", cwd=ws))
    assert set(c) == {"bytes_reclaimed", "entries_after", "entries_before"}
    assert c["entries_before"] == 4 and c["entries_after"] == 1
    assert _json(run_dos("journal", "replay", cwd=ws)) == before
    assert run_dos("journal", "seq", cwd=ws).stdout.strip() == "4"
    out = tmp_path / "export.jsonl"
    assert run_dos("journal", "export", "-o", str(out), cwd=ws).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    r = run_dos("journal", "import", "-", cwd=other, input=out.read_text())
    assert r.returncode == 0 and _json(r)["imported"] == 1
    strip = lambda leases: [{k: v for k, v in x.items() if k != "fence"} for x in leases]  # noqa: E731
    assert strip(_json(run_dos("journal", "replay", cwd=other))) == strip(before)


def test_id_alloc_and_run_id(run_dos, ws: Path) -> None:
    assert _json(run_dos("id-alloc", "peek", "s", cwd=ws)) == {"id": None, "scope": "s"}
    assert _json(run_dos("id-alloc", "allocate", "s", cwd=ws)) == {"id": 1, "scope": "s"}
    assert _json(run_dos("id-alloc", "peek", "s", cwd=ws)) == {"id": 1, "scope": "s"}
    assert run_dos("id-alloc", "allocate", " ", cwd=ws).returncode == 2
    root = _json(run_dos("run-id", "mint", "worker", cwd=ws))
    assert root["run_id"].startswith("RID-") and root["root_id"] == root["run_id"]
    child = _json(run_dos("run-id", "mint", "w2", "--parent", root["run_id"], cwd=ws))
    assert child["parent_id"] == root["run_id"] and child["root_id"] == root["run_id"]
    odd = run_dos("run-id", "mint", "w3", "--parent", "nope", cwd=ws)
    assert odd.returncode == 0 and "not a run id" in odd.stderr and json.loads(odd.stdout)["parent_id"] == "nope"
    assert run_dos("run-id", "mint", "w3", "--root", "nope", cwd=ws).returncode == 2


def test_python_api(ws: Path) -> None:
    import dos
    import dos.leases

    got = dos.leases.acquire("api", holder="py", ttl_s=60, workspace=ws)
    assert got.granted and got.lease.tree == ("api/**",)
    assert [x.holder for x in dos.leases.live(workspace=ws)] == ["py"]
    assert dos.leases.heartbeat("api", holder="py", workspace=ws) is not None
    assert dos.leases.acquire("api", holder="other", workspace=ws).granted is False
    assert dos.leases.release(lease_id=got.lease.lease_id, holder="py", workspace=ws) is not None
    assert dos.leases.live(workspace=ws) == []
    assert callable(dos.arbitrate)
