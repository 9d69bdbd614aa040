"""A configured server that cannot be reached: one line, exit 69, nothing written anywhere."""

from __future__ import annotations


import pytest

from tests.store_pg.test_pg_cli import LANES

DOWN = "postgresql://fleet:hunter2@127.0.0.1:1/fleet"


@pytest.mark.parametrize("how", ["env", "dos.toml"])
@pytest.mark.parametrize("argv", [
    ("lease-lane", "acquire", "--lane", "a", "--owner", "w1"),
    ("lease-lane", "release", "--lane", "a", "--owner", "w1"),
    ("store", "migrate"),
])
def test_unreachable_server_never_falls_back(repo, run_dos, how: str, argv: tuple[str, ...]) -> None:
    toml = LANES + (f'\n[store]\nurl = "{DOWN}"\n' if how == "dos.toml" else "")
    repo.commit("first")  # the fleet's schema name comes from the first commit
    repo.write("dos.toml", toml)
    out = run_dos(*argv, cwd=repo.path, env={"DOS_STORE_URL": DOWN} if how == "env" else {})
    assert out.returncode == 69, out.stderr
    assert out.stderr.startswith("error: store server 127.0.0.1:1 cannot be reached")
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr and "hunter2" not in out.stderr
    assert not (repo.path / ".dos").exists(), "a local store was created: a silent fallback"
    assert repo.git("status", "--porcelain", "--ignored") == "?? dos.toml\n"


def test_a_server_that_dies_mid_fleet_is_unreachable(repo, run_dos, pg_server, pg_url: str) -> None:
    """Acquire works, then the database is gone: the next acquire exits 69, no local store appears."""
    import psycopg

    repo.commit("first")
    repo.write("dos.toml", LANES)
    env = {"DOS_STORE_URL": pg_url}
    assert run_dos("lease-lane", "acquire", "--lane", "a", "--owner", "w1", cwd=repo.path, env=env).returncode == 0
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(pg_server.url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    out = run_dos("lease-lane", "acquire", "--lane", "b", "--owner", "w2", cwd=repo.path, env=env)
    assert out.returncode == 69 and "does not exist" in out.stderr
    assert not (repo.path / ".dos").exists()
