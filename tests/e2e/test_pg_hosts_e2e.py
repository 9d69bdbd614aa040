"""Real agent CLIs on a PostgreSQL store, wired by ``dos init --hooks`` alone.

The workspace names the server in dos.toml (``[store] url``) and keeps no ``.dos/``; bob holds
``api`` on the server. The hooks the installer wires read the leases (and record a deny)
through libpq (``dos.store.pg_lean``): the session's start tells the model bob holds api, a
write into api is denied naming bob and the deny is in the server's log; a write into web
goes through.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import psycopg
import pytest

from e2ekit import HOLDER, HOSTS, Workspace, dos, make_workspace, run_host, say, wire

pytestmark = pytest.mark.slow

CONTENT = "VALUE = 1\n"
CONTEXT = "DOS referees this repository"  # the first words of DOS's session-start context


@pytest.fixture
def pg_ws(tmp_path: Path, pg_url: str) -> Workspace:
    ws = make_workspace(tmp_path)  # dos init, and a lease on the SQLite store it then moves away from
    toml = ws.root / "dos.toml"
    toml.write_text(toml.read_text() + f'\n[store]\nurl = "{pg_url}"\nschema = "e2e_fleet"\n')
    shutil.rmtree(ws.root / ".dos")
    lease = dos(ws.root, "lease-lane", "acquire", "--lane", "api", "--owner", HOLDER, "--session", "other",
                "--ttl-seconds", "3600")
    assert json.loads(lease.stdout)["lease"]["holder"] == HOLDER, lease.stdout
    assert not (ws.root / ".dos").exists()
    return ws


def _enforced(pg_url: str) -> list[tuple[str, str]]:
    with psycopg.connect(pg_url) as c:
        return c.execute("SELECT lane, reason FROM e2e_fleet.events WHERE op = 'ENFORCE' ORDER BY seq").fetchall()


@pytest.mark.parametrize("host_name", list(HOSTS))
def test_a_postgres_workspace_denies_a_write_into_a_held_lane_and_allows_a_free_one(
        host_name: str, pg_ws: Workspace, pg_url: str, agent_clis) -> None:
    host, exe = HOSTS[host_name], agent_clis[HOSTS[host_name].exe]
    wire(pg_ws, host, exe)
    held = pg_ws.path("api/a.py")
    run = run_host(host, exe, pg_ws, [host.write(pg_ws, held, CONTENT), say("Finished.")])
    assert not held.exists(), f"{held} was written although {HOLDER} holds its lane{run.report()}"
    first = json.dumps(run.fake.main_requests()[0].body)
    assert CONTEXT in first and HOLDER in first, f"DOS's session-start context did not reach the model{run.report()}"
    told = run.result_for(HOLDER)
    assert told is not None and "DOS" in told["text"], f"the model was not told DOS's reason{run.report()}"
    assert [lane for lane, _ in _enforced(pg_url)] == ["api"], _enforced(pg_url)
    free = pg_ws.path("web/b.py")
    run = run_host(host, exe, pg_ws, [host.write(pg_ws, free, CONTENT), say("Finished.")])
    assert free.exists() and free.read_text() == CONTENT, f"{free} was not written{run.report()}"
    assert not host.failure_noise(run.proc), run.report()
