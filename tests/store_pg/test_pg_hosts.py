"""Many hosts, one PostgreSQL server: host ids (and, where the kernel allows, separate
network and PID namespaces) share one store; PIDs are judged only on their own host."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.store_pg.test_pg_cli import LANES

WORKER = str(Path(__file__).with_name("hostworker.py"))
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _namespaces_work() -> bool:
    if not shutil.which("unshare") or not shutil.which("nsenter") or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "--net", "--pid", "--fork", "--mount-proc", "--uts", "true"],
                           capture_output=True)
    return probe.returncode == 0


NAMESPACES = _namespaces_work()


class Fleet:
    """Checkouts of one repository on several hosts, all pointed at one server."""

    def __init__(self, tmp: Path, url: str, socket_url: str | None, isolate: bool) -> None:
        self.tmp, self.url, self.isolate = tmp, url, isolate and socket_url is not None
        self.socket_url = socket_url
        self.machines: dict[str, tuple[subprocess.Popen[bytes], int]] = {}

    def machine(self, host: str) -> int:
        """The init process of HOST's namespaces (network, PID, hostname, /proc), started once."""
        if host not in self.machines:
            outer = subprocess.Popen(["unshare", "--net", "--pid", "--fork", "--mount-proc", "--uts", "--",
                                      "sh", "-c", 'hostname "$0"; exec sleep 3600', host])
            children = Path(f"/proc/{outer.pid}/task/{outer.pid}/children")
            for _ in range(1000):
                inner = children.read_text().split() if children.exists() else []
                if inner:
                    break
                time.sleep(0.005)
            self.machines[host] = (outer, int(inner[0]))
        return self.machines[host][1]

    def close(self) -> None:
        for outer, inner in self.machines.values():
            try:
                os.kill(inner, 9)
            except ProcessLookupError:
                pass
            outer.wait()

    def checkout(self, host: str) -> Path:
        root = self.tmp / host / "fleet"  # one directory name on every host: one schema
        if not root.exists():
            root.mkdir(parents=True)
            (root / "dos.toml").write_text(LANES)
        return root

    def argv(self, host: str, *args: str) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PYTHONPATH": SRC,
               "DISPATCH_HOST_ID": host, "DOS_STORE_URL": self.url,
               "DOS_STORE_SCHEMA": "dos_fleet"}
        cmd = [sys.executable, WORKER, str(self.checkout(host)), *args]
        if self.isolate:  # HOST's own network (loopback only), PIDs and hostname; the server via its socket
            env["DOS_STORE_URL"] = self.socket_url
            cmd = ["nsenter", "-t", str(self.machine(host)), "--net", "--pid", "--uts", "--mount", "--", *cmd]
        return cmd, env

    def run(self, host: str, *args: str) -> dict:
        cmd, env = self.argv(host, *args)
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def start(self, host: str, *args: str) -> subprocess.Popen[str]:
        cmd, env = self.argv(host, *args)
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(params=["processes", "namespaces"] if NAMESPACES else ["processes"])
def fleet(request, tmp_path: Path, pg_server, pg_url: str):
    f = Fleet(tmp_path, pg_url, pg_server.socket_url(pg_url), request.param == "namespaces")
    yield f
    f.close()


def test_other_hosts_reclaim_only_by_ttl(fleet: Fleet) -> None:
    """Host A's holder processes are gone. Host B refuses A's unexpired lease however long it waits
    for its turn, and takes A's short-TTL lease only once the TTL has passed, scavenging it."""
    a = fleet.run("host-a", "acquire", "a", "worker-a", "600000")
    short = fleet.run("host-a", "acquire", "b", "worker-a", "1000")
    assert a["granted"] and short["granted"] and a["host_id"] == "host-a"
    b = fleet.run("host-b", "acquire", "a", "worker-b", "600000")
    assert not b["granted"], "host B reclaimed host A's lease through a PID check"
    time.sleep(1.2)
    late = fleet.run("host-b", "acquire", "b", "worker-b", "600000")
    assert late["granted"] and late["fence"] > short["fence"]
    assert late["scavenged"] and all("ttl expired" in r for r in late["scavenged"])


def test_same_host_reclaims_a_dead_holder_at_once(tmp_path: Path, pg_url: str) -> None:
    """The control: on its own host (one PID space) a dead holder's lease is reclaimed before its TTL."""
    fleet = Fleet(tmp_path, pg_url, None, isolate=False)
    first = fleet.run("host-a", "acquire", "c", "worker-1", "600000")
    assert first["granted"]
    again = fleet.run("host-a", "acquire", "c", "worker-2", "600000")
    assert again["granted"] and again["fence"] > first["fence"]
    assert again["scavenged"] and "holder process is gone" in again["scavenged"][0]


def test_two_hosts_race_for_one_lane_one_grant(fleet: Fleet) -> None:
    """Eight live workers on two hosts, connected and then released together: exactly one grant."""
    for round_ in range(1):
        go, done = fleet.tmp / f"go-{round_}", fleet.tmp / f"done-{round_}"
        procs = [fleet.start(f"host-{'ab'[i % 2]}", "acquire", "d", f"racer-{round_}-{i}", "600000",
                             str(go), str(done)) for i in range(8)]
        time.sleep(0.3)
        go.touch()
        results = [json.loads(p.stdout.readline() or "{}") for p in procs]
        done.touch()
        for p in procs:
            _, err = p.communicate(timeout=120)
            assert p.returncode == 0, err
        winners = [i for i, r in enumerate(results) if r["granted"]]
        assert len(winners) == 1, results
        released = fleet.run(f"host-{'ab'[winners[0] % 2]}", "release", "d", f"racer-{round_}-{winners[0]}")
        assert released["released"]
