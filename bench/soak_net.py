"""The soak's simulated hosts and its PostgreSQL server.

``Hosts`` makes one network namespace per host, joined to the root namespace by a veth
pair on a /24 of its own (``10.X.i.1`` on the root side, ``10.X.i.2`` inside); every name
carries the soak's pid (``dsoak-PID-i``, ``dsk PID i h|n``), so a run that died without
cleaning up is recognised and swept by the next one, and teardown runs on every exit path.
Without root (or without ``ip netns``) it says why and the caller falls back to loopback.

``start_postgres`` initdb's a throwaway cluster with tests/pgserver.py's code and restarts
it listening on loopback plus each host's root-side address, with those subnets trusted.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from dos.procs import is_running

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "dsoak-"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and run.returncode != 0:
        raise OSError(f"ip {' '.join(args)}: {run.stderr.strip() or run.returncode}")
    return run


def sweep_stale() -> list[str]:
    """Delete namespaces (and their veth) left by soak runs whose process is gone; their names."""
    run = _ip("netns", "list", check=False)
    gone = []
    for line in run.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        parts = name[len(PREFIX):].split("-") if name.startswith(PREFIX) else []
        if len(parts) == 2 and parts[0].isdigit() and not is_running(int(parts[0])):
            _ip("netns", "del", name, check=False)
            _ip("link", "del", f"dsk{parts[0]}{parts[1]}h", check=False)
            gone.append(name)
    return gone


def _free_subnet() -> int:
    """A second octet X such that no address in 10.X.0.0/16 is configured here."""
    used = _ip("-4", "-o", "addr", check=False).stdout
    for _ in range(200):
        x = random.randint(100, 250)
        if f" 10.{x}." not in used:
            return x
    raise OSError("no free 10.X.0.0/16 subnet for the soak's hosts")


@dataclass
class Hosts:
    """N simulated hosts: network namespaces when possible, else loopback (``netns`` False, ``why`` set)."""

    n: int
    netns: bool = False
    why: str = ""
    names: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    server_addrs: list[str] = field(default_factory=list)  # per host: where it reaches the server
    subnet: str = ""

    def create(self) -> None:
        if os.geteuid() != 0:
            self.why = "not running as root: network namespaces need root"
            return
        try:
            sweep_stale()
            x = _free_subnet()
            self.subnet = f"10.{x}.0.0/16"
            for i in range(self.n):
                ns, host_if, ns_if = f"{PREFIX}{os.getpid()}-{i}", f"dsk{os.getpid()}{i}h", f"dsk{os.getpid()}{i}n"
                _ip("netns", "add", ns)
                self.names.append(ns)
                _ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
                self.links.append(host_if)
                _ip("link", "set", ns_if, "netns", ns)
                _ip("addr", "add", f"10.{x}.{i}.1/24", "dev", host_if)
                _ip("link", "set", host_if, "up")
                _ip("-n", ns, "addr", "add", f"10.{x}.{i}.2/24", "dev", ns_if)
                _ip("-n", ns, "link", "set", ns_if, "up")
                _ip("-n", ns, "link", "set", "lo", "up")
                self.server_addrs.append(f"10.{x}.{i}.1")
            self.netns = True
        except (OSError, FileNotFoundError) as exc:
            self.why = f"network namespaces unavailable ({exc})"
            self.teardown()

    def prefix(self, i: int) -> list[str]:
        """The command prefix that runs a process on host I."""
        return ["ip", "netns", "exec", self.names[i]] if self.netns else []

    def address(self, i: int) -> str:
        return self.server_addrs[i] if self.netns else "127.0.0.1"

    def teardown(self) -> None:
        for ns in self.names:
            _ip("netns", "del", ns, check=False)
        for link in self.links:
            _ip("link", "del", link, check=False)
        self.names, self.links = [], []

    def remaining(self) -> list[str]:
        """Namespaces of this run still present (empty after a clean teardown)."""
        mine = f"{PREFIX}{os.getpid()}-"
        return [ln.split()[0] for ln in _ip("netns", "list", check=False).stdout.splitlines()
                if ln.startswith(mine)]


def start_postgres(addresses: list[str], subnet: str):
    """A throwaway server (tests/pgserver.py) listening on loopback and ADDRESSES, SUBNET trusted."""
    sys.path.insert(0, str(ROOT / "tests"))
    import pgserver

    server = pgserver.start_server()
    if not addresses:
        return server
    try:
        server.halt()
        data = server.datadir / "data"
        with open(data / "pg_hba.conf", "a", encoding="ascii") as fh:
            fh.write(f"host all all {subnet} trust\n")
        port = int(server.url.rsplit(":", 1)[1].split("/")[0])
        opts = pgserver._options(port, server.datadir).replace(
            "listen_addresses=127.0.0.1", "listen_addresses=" + ",".join(["127.0.0.1", *addresses]))
        out = server.pg_ctl("-l", str(server.datadir / "log"), "-o", opts, "-w", "-t", "60", "start")
        if out.returncode != 0:
            raise RuntimeError(f"postgres did not restart on the hosts' addresses: {out.stderr.strip()[-300:]}")
    except BaseException:
        server.stop()
        raise
    return server


def postmaster_pid(server) -> int | None:
    try:
        return int((server.datadir / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError, TypeError, AttributeError):
        return None
