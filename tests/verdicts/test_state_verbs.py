"""health and scout read the lane's state from the store (SQLite and PostgreSQL): live leases for the
overlap, ACQUIRE / REFUSE events and recorded gate verdicts for the recurring blocker."""

from __future__ import annotations

import json

import pytest

from dos.exitcodes import EXIT_CODES
from tests.verdicts.helpers import as_json, two_lanes


@pytest.fixture(params=["sqlite", "postgres"])
def engine_env(request) -> dict[str, str]:
    """The environment that points the CLI at one engine's store."""
    if request.param == "sqlite":
        return {}
    return {"DOS_STORE_URL": request.getfixturevalue("pg_url"), "DOS_STORE_SCHEMA": "dos_verdicts"}


def _health(run_dos, repo, env, *args):
    out = run_dos("health", *args, cwd=repo.path, env=env)
    data = as_json(out)
    assert out.returncode == EXIT_CODES["health"][data["action"].upper()], out.stderr
    assert data["should_proceed"] is (data["action"] == "proceed")
    return data


def test_health_actions_from_the_store(repo, run_dos, engine_env):
    """PROCEED on an empty store; OVERLAP_BLOCK against a live lease; ROUTE_UNSTICK after two refusals
    for one cause; ROUTE_REPLAN after two recorded drains."""
    two_lanes(repo)
    env = engine_env
    first = _health(run_dos, repo, env, "--lane", "api")
    assert first["action"] == "proceed" and first["runs_considered"] == 0

    assert run_dos("lease-lane", "acquire", "--owner", "A", "--lane", "api", "--kind", "concurrent",
                   "--loop-ts", "L1", cwd=repo.path, env=env).returncode == 0
    wide = _health(run_dos, repo, env, "--lane", "web", "--tree", "src/**")
    assert (wide["action"], wide["overlap_lane"], wide["evidence"]) == ("overlap_block", "api",
                                                                        ["overlap:api:collides"])
    assert _health(run_dos, repo, env, "--lane", "web")["action"] == "proceed"  # src/web/** is disjoint
    own = _health(run_dos, repo, env, "--lane", "web", "--tree", "src/**", "--own-lease-ts", "L1")
    assert own["action"] == "proceed"  # this loop's own lease is not a foreign collision

    for _ in range(2):
        assert run_dos("lease-lane", "acquire", "--owner", "B", "--lane", "api", "--kind", "concurrent",
                       cwd=repo.path, env=env).returncode == 1
    stuck = _health(run_dos, repo, env, "--lane", "backend")  # the alias names api
    assert stuck["action"] == "route_unstick" and stuck["blocker_runs"] == 2 and stuck["runs_considered"] == 3
    assert stuck["cause_key"] == "lane_api_is_already_held"
    assert _health(run_dos, repo, env, "--lane", "api", "--window", "1")["action"] == "proceed"  # one refusal

    for _ in range(2):
        assert run_dos("gate", "--picks-json", "[]", "--lane", "web", cwd=repo.path, env=env).returncode == 3
    drained = _health(run_dos, repo, env, "--lane", "web")
    assert (drained["action"], drained["cause_key"], drained["blocker_runs"]) == ("route_replan", "lane_drained", 2)

    scout = run_dos("scout", "--lane", "web", cwd=repo.path, env=env)
    assert scout.returncode == EXIT_CODES["scout"]["REPLAN"] and as_json(scout)["rule_id"] == 7
    given = run_dos("scout", "--lane", "web", "--state-json", json.dumps({"health": {"action": "proceed"}}),
                    cwd=repo.path, env=env)
    assert given.returncode == 0  # a health in the state is read, never recomputed


def test_health_with_given_leases(repo, run_dos):
    """--leases-json replaces the store's live set; an empty lane tree is an unknown region."""
    repo.commit("init")
    leases = json.dumps([{"lane": "other", "lane_kind": "concurrent", "tree": ["src/**"], "loop_ts": "T1"}])
    hit = _health(run_dos, repo, {}, "--lane", "main", "--tree", "src/a.py,docs/**", "--leases-json", leases)
    assert hit["action"] == "overlap_block" and "loop T1" in hit["reason"]
    assert _health(run_dos, repo, {}, "--lane", "main", "--tree", "lib/**", "--leases-json", leases)["action"] \
        == "proceed"
    assert _health(run_dos, repo, {}, "--lane", "undeclared", "--leases-json", leases)["action"] == "overlap_block"


def test_scout_warns_about_keys_it_does_not_read(repo, run_dos):
    out = run_dos("scout", "--state-json", '{"bogus": 1, "replan_due": true}', cwd=repo.path)
    assert out.returncode == 4 and "warning: scout ignores the state key 'bogus'" in out.stderr
