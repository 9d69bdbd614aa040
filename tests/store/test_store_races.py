"""Real processes racing for lanes: one grant per region, clean refusals, no lock errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dos.kernel.tree import region_conflict
from tests.store.storehelp import write_lanes


def _race(store_factory, root: Path, lanes: list[str], mode: str = "race") -> list[dict]:
    go = root / "go"
    procs = [store_factory.spawn(mode, str(root), lane, f"w{i}", str(go)) for i, lane in enumerate(lanes)]
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert err == "", err
        results.append(json.loads(out))
    return results


@pytest.mark.parametrize("k", [2, 8, 16])
def test_k_processes_on_one_lane_get_exactly_one_grant(store_factory, tmp_path: Path, k: int) -> None:
    """K processes acquire the same lane at once: one grant, K-1 refusals naming the holder."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"], "docs": ["docs/**"]})
    results = _race(store_factory, root, ["api"] * k)
    granted = [r for r in results if r["granted"]]
    assert len(granted) == 1
    assert all("already held" in r["reason"] for r in results if not r["granted"])
    store = store_factory.make(root)
    live = store.live_leases()
    assert [x.lease_id for x in live] == [granted[0]["lease_id"]]
    assert store.replay() == store.view()
    refusals = [e for e in store.events() if e.op == "REFUSE"]
    assert len(refusals) == k - 1


def test_sixteen_processes_on_disjoint_lanes_all_get_grants(store_factory, tmp_path: Path) -> None:
    """Sixteen processes on sixteen disjoint lanes: sixteen grants with distinct fences."""
    names = [f"l{i}" for i in range(16)]
    root = write_lanes(tmp_path / "ws", {n: [f"{n}/**"] for n in names})
    results = _race(store_factory, root, names)
    assert all(r["granted"] for r in results), [r["reason"] for r in results if not r["granted"]]
    store = store_factory.make(root)
    live = store.live_leases()
    assert sorted(x.lane for x in live) == sorted(names)
    assert len({x.fence for x in live}) == 16
    assert store.replay() == store.view()


def test_cli_race_k8_one_grant_seven_refusals(store_factory, tmp_path: Path) -> None:
    """Eight `dos lease-lane acquire` processes on one lane: one exit 0, seven exit 1, nothing else."""
    root = write_lanes(tmp_path / "ws", {"api": ["api/**"]})
    env = store_factory.worker_env()
    procs = [subprocess.Popen([sys.executable, "-m", "dos", "--workspace", str(root), "lease-lane", "acquire",
                               "--lane", "api", "--owner", f"agent{i}"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(8)]
    outs = [(p.communicate(timeout=120), p.returncode) for p in procs]
    codes = sorted(rc for _, rc in outs)
    assert codes == [0] + [1] * 7, [err for (_, err), _ in outs]
    assert all(err == "" for (_, err), _ in outs)
    docs = [json.loads(out) for (out, _), _ in outs]
    assert sum(d["outcome"] == "acquire" for d in docs) == 1
    assert len(store_factory.make(root).live_leases()) == 1


def test_concurrent_allocations_never_repeat_an_id(store_factory, tmp_path: Path) -> None:
    """Four processes allocating from one scope at once hand out every id exactly once."""
    root = tmp_path / "ws"
    root.mkdir()
    go = root / "go"
    procs = [store_factory.spawn("allocate", str(root), "runs", "50", str(go)) for _ in range(4)]
    go.touch()
    ids: list[int] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids += json.loads(out)
    assert sorted(ids) == list(range(1, 201))


def test_live_exclusive_leases_never_overlap_after_a_mixed_race(store_factory, tmp_path: Path) -> None:
    """Overlapping lanes raced at once: whatever is granted, no two live holders conflict."""
    lanes = {"src": ["src/**"], "src_a": ["src/a/**"], "docs": ["docs/**"], "all": ["**/*"]}
    root = write_lanes(tmp_path / "ws", lanes)
    _race(store_factory, root, ["src", "src_a", "docs", "all"] * 2)
    live = store_factory.make(root).live_leases()
    assert live
    for i, a in enumerate(live):
        for b in live[i + 1:]:
            assert not region_conflict(a.tree, a.mode, b.tree, b.mode), (a.lane, b.lane)


def test_eight_processes_creating_a_fresh_store_at_once(store_factory, tmp_path: Path) -> None:
    """The first use of a store by many processes in the same instant creates it once, without errors."""
    root = write_lanes(tmp_path / "ws", {f"l{i}": [f"l{i}/**"] for i in range(8)})
    results = _race(store_factory, root, [f"l{i}" for i in range(8)], mode="first")
    assert all(r["granted"] for r in results)
    assert len(store_factory.make(root).live_leases()) == 8
