"""The intent ledger in the store, on both engines: one writer per run, a fold equal to the replay."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from dos.kernel import intent as K
from dos.store.intents import IntentStore
from tests.store.conftest import StoreFactory

RID = "RID-1M8VF35AG2SZP00"
WORKER = Path(__file__).with_name("worker.py")


def ledger(store_factory: StoreFactory, root: Path) -> IntentStore:
    return IntentStore(store_factory.make(root).engine, host_id="test-host")


def test_the_first_intent_binds_the_writer_and_refuses_every_other(store_factory: StoreFactory, tmp_path: Path) -> None:
    led = ledger(store_factory, tmp_path)
    assert led.declare(RID, {"goal": "g", "declared_steps": ["a"]}, token="tok-1", session="sess-1").recorded
    other = led.append(RID, [(K.STEP_CLAIMED, {"step_id": "a", "sha": "1" * 40})], token="tok-2")
    assert not other.recorded and "another writer" in other.reason
    assert not led.declare(RID, {"goal": "hijack"}, token="tok-2").recorded
    assert led.append(RID, [(K.STEP_CLAIMED, {"step_id": "a", "sha": "1" * 40})], token="tok-1").recorded
    assert led.append(RID, [(K.SUSPEND, {"reason": "r"})], session="sess-1").recorded  # the bound session
    state = led.state(RID)
    assert state.goal == "g" and state.claims == {"a": "1" * 40} and state.suspended
    assert [r.op for r in led.records(RID)] == ["INTENT", "STEP_CLAIMED", "SUSPEND"]


def test_nothing_but_an_intent_starts_a_writers_ledger(store_factory: StoreFactory, tmp_path: Path) -> None:
    led = ledger(store_factory, tmp_path)
    got = led.append(RID, [(K.STEP_CLAIMED, {"step_id": "a", "sha": "1" * 40})], token="t")
    assert not got.recorded and "no INTENT" in got.reason
    assert not led.mint(RID, K.STEP_VERIFIED, {"step_id": "a", "sha": "1" * 40, "via": "file-path"},
                        author="dos").recorded
    assert led.state(RID) is None
    with pytest.raises(ValueError):
        led.append(RID, [(K.STEP_VERIFIED, {"step_id": "a"})], token="t")  # only DOS mints verifications


def test_an_operators_suspend_leaves_the_run_unbound_for_its_writer(store_factory: StoreFactory,
                                                                     tmp_path: Path) -> None:
    led = ledger(store_factory, tmp_path)
    assert led.mint(RID, K.SUSPEND, {"reason": "operator"}, author="operator:ops").recorded
    run, state = led.get(RID)
    assert not run.bound and state.suspended and not state.has_intent
    assert led.declare(RID, {"goal": "g"}, token="w").recorded  # the writer's first INTENT binds it now
    assert not led.get(RID)[1].suspended


def test_the_stored_fold_equals_the_replay_of_the_ledger(store_factory: StoreFactory, tmp_path: Path) -> None:
    led = ledger(store_factory, tmp_path)
    led.declare(RID, {"goal": "g", "declared_steps": ["a", "b"], "step_regions": {"a": ["src/**"]}}, token="t")
    for i in range(30):
        led.append(RID, [(K.STEP_CLAIMED, {"step_id": "ab"[i % 2], "sha": f"{i:040x}"})], token="t")
        if i % 7 == 0:
            led.mint(RID, K.STEP_VERIFIED, {"step_id": "a", "sha": f"{i:040x}", "via": "file-path", "verdicts": []},
                     author="dos")
    led.append(RID, [(K.SUSPEND, {"reason": "r", "checkpoint_turn": 2, "transcript_digest": "ab" * 32})], token="t")
    led.mint(RID, K.RESUME_PROPOSED, {"predecessor_run_id": RID, "resume_sha": "", "residual": ["b"]}, author="dos")
    replayed = K.replay(RID, [r.as_record() for r in led.records(RID)])
    assert led.state(RID) == replayed and replayed.records == 1 + 30 + 5 + 2


def test_an_import_never_overwrites_a_run_the_store_has(store_factory: StoreFactory, tmp_path: Path) -> None:
    led = ledger(store_factory, tmp_path)
    got = led.import_ledger(RID, [(1000, "INTENT", {"goal": "g"}), (2000, "_CORRUPT", {"_raw": "{"}),
                                  (3000, "STEP_CLAIMED", {"step_id": "a", "sha": "1" * 40})], token="imp")
    assert got.recorded and got.state.corrupt == 1 and got.state.claims == {"a": "1" * 40}
    assert [r.ts_ms for r in led.records(RID)] == [1000, 2000, 3000]
    assert not led.import_ledger(RID, [(1, "INTENT", {"goal": "other"})], token="x").recorded
    assert led.append(RID, [(K.STEP_CLAIMED, {"step_id": "b", "sha": ""})], token="imp").recorded


def test_runs_are_found_by_session(store_factory: StoreFactory, tmp_path: Path) -> None:
    led = ledger(store_factory, tmp_path)
    led.declare(RID, {"goal": "g"}, token="t", session="s1")
    led.declare("RID-1M8VF35AG2SZP11", {"goal": "h"}, token="u", session="s2")
    assert [r.run_id for r, _ in led.runs(session="s1")] == [RID]
    assert len(led.runs()) == 2


def test_concurrent_first_intents_bind_exactly_one_writer(store_factory: StoreFactory, tmp_path: Path) -> None:
    """Several real processes declare the same run at the same instant: the store admits one writer."""
    ledger(store_factory, tmp_path).runs()  # the store exists before the race
    go = tmp_path / "go"
    procs = [subprocess.Popen([os.sys.executable, str(WORKER), "declare", str(tmp_path), RID, f"w{i}", str(go)],
                              env=store_factory.worker_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(6)]
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate()
        assert p.returncode == 0, err
        results.append(json.loads(out))
    winners = [r["token"] for r in results if r["recorded"]]
    assert len(winners) == 1
    led = ledger(store_factory, tmp_path)
    assert led.get(RID)[0].writer == winners[0] and led.state(RID).intents == 1


def test_a_store_from_before_the_ledger_reads_as_holding_none(tmp_path: Path) -> None:
    """A SQLite store at schema version 2 has no ledger tables: reads find nothing; the first write upgrades."""
    import sqlite3

    from dos.store.schema import MIGRATIONS

    path = tmp_path / ".dos" / "store.sqlite3"
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path, isolation_level=None)
    for v in (1, 2):
        for stmt in MIGRATIONS[v]:
            conn.execute(stmt)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '2')")
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    led = ledger(StoreFactory("sqlite"), tmp_path)
    assert led.state(RID) is None and led.records(RID) == [] and led.runs() == []
    assert led.declare(RID, {"goal": "g"}, token="t").recorded
    assert led.state(RID).goal == "g"


def test_a_postgres_schema_from_before_the_ledger_reads_as_holding_none(pg_url: str, tmp_path: Path) -> None:
    import psycopg

    from dos.store.postgres import MIGRATIONS

    factory = StoreFactory("postgres", {"DOS_STORE_URL": pg_url, "DOS_STORE_SCHEMA": "dos_old"})
    schema = "dos_old"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        conn.execute(f'SET search_path TO "{schema}"')
        for v in (1, 2):
            for stmt in MIGRATIONS[v]:
                conn.execute(stmt)
        conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '2')")
    led = IntentStore(factory.make(tmp_path).engine)
    assert led.state(RID) is None and led.runs() == []
    assert led.declare(RID, {"goal": "g"}, token="t").recorded and led.state(RID).goal == "g"
