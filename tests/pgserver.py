"""A throwaway PostgreSQL server for the test suite (and the store bench).

Unless ``DOS_TEST_PG_URL`` names a server, ``pg_server`` initdb's a fresh cluster in a
temp directory and starts it on a free loopback port, as the unprivileged ``postgres``
user when running as root (postgres refuses root). Missing server binaries FAIL the
fixture with the fix to apply; they never skip. Registered from tests/conftest.py.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

RUN_AS = "postgres"  # the unprivileged system user the server runs as under root
FAST = ("-c", "fsync=off", "-c", "full_page_writes=off",
        "-c", "shared_buffers=16MB", "-c", "max_connections=200", "-c", "log_min_messages=fatal")


def find_bindir() -> Path:
    """The directory holding initdb and pg_ctl: the newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    raise RuntimeError("PostgreSQL server binaries not found (initdb, pg_ctl): install them "
                       "(apt-get install postgresql) or set DOS_TEST_PG_URL to a server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user() -> list[str]:
    """A command prefix that drops root to the postgres user; empty when not root."""
    if os.geteuid() != 0:
        return []
    try:
        import pwd
        pwd.getpwnam(RUN_AS)
    except KeyError:
        raise RuntimeError(f"running as root but there is no '{RUN_AS}' user to run the server as; "
                           f"create one (useradd -r {RUN_AS}) or set DOS_TEST_PG_URL") from None
    return ["runuser", "-u", RUN_AS, "--"]


@dataclass
class PgServer:
    """A running server: ``url`` connects as a superuser to database ``postgres``."""

    url: str
    datadir: Path | None = None
    bindir: Path | None = None
    owned: bool = False
    settings: tuple[str, ...] = ()  # "-c name=value" pairs on top of FAST (start_server's SETTINGS)

    def database_url(self, name: str) -> str:
        """This server's URL pointing at database NAME."""
        base, _, query = self.url.partition("?")
        base = base.rsplit("/", 1)[0] if base.count("/") > 2 else base
        return f"{base}/{name}" + (f"?{query}" if query else "")

    @property
    def socket_dir(self) -> Path | None:
        """The unix-socket directory of a server we started (reachable from other network namespaces)."""
        return self.datadir if self.owned else None

    def socket_url(self, url: str) -> str | None:
        """URL (a database on this server) rewritten to connect over the unix socket, if there is one."""
        if self.socket_dir is None:
            return None
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return f"postgresql://postgres@{parts.path}?host={self.socket_dir}&port={parts.port}"

    def create_database(self, prefix: str = "dostest") -> str:
        """Create a fresh, empty database and return its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run pg_ctl on this (owned) server's cluster."""
        return subprocess.run([*_as_user(), str(self.bindir / "pg_ctl"), "-D", str(self.datadir / "data"), *args],
                              capture_output=True, text=True)

    def halt(self) -> None:
        """Stop an owned server the way an outage does (fast shutdown), keeping its cluster."""
        out = self.pg_ctl("-m", "fast", "-w", "stop")
        assert out.returncode == 0, out.stdout + out.stderr

    def crash(self) -> None:
        """Stop an owned server the way a crash does (immediate: nothing still in its WAL buffers is
        written), keeping its cluster; ``start_again`` then recovers from what reached the WAL files."""
        out = self.pg_ctl("-m", "immediate", "-w", "stop")
        assert out.returncode == 0, out.stdout + out.stderr

    def start_again(self) -> None:
        """Start an owned, halted server on the port, socket directory and settings it had."""
        port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        out = self.pg_ctl("-l", str(self.datadir / "log"), "-o", _options(port, self.datadir, self.settings),
                          "-w", "-t", "60", "start")
        assert out.returncode == 0, out.stdout + out.stderr

    def stop(self) -> None:
        if self.owned and self.datadir is not None:
            subprocess.run([*_as_user(), str(self.bindir / "pg_ctl"), "-D", str(self.datadir / "data"),
                            "-m", "immediate", "-w", "stop"], capture_output=True)
            shutil.rmtree(self.datadir, ignore_errors=True)
            self.owned = False


def _options(port: int, root: Path, settings: tuple[str, ...] = ()) -> str:
    """The server options a cluster of ours runs with (loopback, its own socket directory, FAST, SETTINGS)."""
    both = (*FAST, *settings)
    return " ".join([f"-p {port}", "-c listen_addresses=127.0.0.1", f"-c unix_socket_directories={root}",
                     *(" ".join(both[i:i + 2]) for i in range(0, len(both), 2))])


def start_server(attempts: int = 3, settings: tuple[str, ...] = ()) -> PgServer:
    """initdb a fresh cluster in a temp dir and start it on a free loopback port (SETTINGS: more "-c", "k=v")."""
    bindir = find_bindir()
    prefix = _as_user()
    root = Path(tempfile.mkdtemp(prefix="dos-pg-"))
    if prefix:
        shutil.chown(root, RUN_AS, RUN_AS)
    data = root / "data"
    init = subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                           "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"],
                          capture_output=True, text=True)
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
    last = ""
    for _ in range(attempts):
        port = _free_port()
        run = subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"),
                              "-o", _options(port, root, settings), "-w", "-t", "60", "start"],
                             capture_output=True, text=True)
        if run.returncode == 0:
            return PgServer(f"postgresql://postgres@127.0.0.1:{port}/postgres", root, bindir, owned=True,
                            settings=settings)
        last = (root / "log").read_text(errors="replace")[-500:] if (root / "log").exists() else run.stderr
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"postgres did not start: {last.strip()}")


def server_from_env_or_start() -> PgServer:
    url = os.environ.get("DOS_TEST_PG_URL", "")
    return PgServer(url) if url else start_server()


def _serving(start) -> Iterator[PgServer]:
    try:
        server = start()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server per test session (per xdist worker): DOS_TEST_PG_URL or our own."""
    yield from _serving(server_from_env_or_start)


@pytest.fixture
def own_pg_server() -> Iterator[PgServer]:
    """A server of this test's own (halting or restarting it touches no other test)."""
    yield from _serving(start_server)


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """A fresh, empty database on the session's server, for one test."""
    return pg_server.create_database()
