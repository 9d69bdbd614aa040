#!/usr/bin/env python3
"""A bounded soak of the lease store on PostgreSQL, across simulated hosts.

    python bench/soak.py --minutes 10 --agents 64 --hosts 4 [--dsn URL] [--json]

Starts a throwaway PostgreSQL (tests/pgserver.py's code), one network namespace per host
(bench/soak_net.py) and AGENTS agent processes (bench/soak_agent.py) spread over the hosts,
each host with its own DISPATCH_HOST_ID, all on one workspace whose lanes overlap. The
agents acquire, beat, release, run the pretool hook and let leases lapse; a chaos loop
SIGKILLs a random agent every --kill-every seconds on average and starts a fresh one;
the log is compacted every --compact-every seconds. A trigger copies every event the store
writes into ``soak_audit.events`` (compaction deletes events; the copy keeps them), and
the independent checker (bench/overlap_check.py) reads that copy with plain SQL.

The report: operations per kind with p50/p99 latency, errors by class, the checker's
double grants (must be 0), and the RSS of the agents and the PSS of PostgreSQL in the
first and last minute. Exit 0 when every check passes, 1 when one fails, 64 for a bad
command line, 69 when PostgreSQL cannot be started or reached, 130 on Ctrl-C. Namespaces,
agents and the server are torn down on every exit path. With --dsn (a server of yours)
or without root, agents run as loopback processes and the report says so.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
SCHEMA = "soak"
AUDIT = "soak_audit"

from soak_net import Hosts, postmaster_pid, start_postgres  # noqa: E402
from soak_report import analyse, render  # noqa: E402

ARCHIVE_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {AUDIT};
CREATE TABLE IF NOT EXISTS {AUDIT}.events (n BIGSERIAL PRIMARY KEY, seq BIGINT, ts_ms BIGINT, op TEXT,
    lane TEXT, lease_id TEXT, holder TEXT, host_id TEXT, reason TEXT, data TEXT);
CREATE OR REPLACE FUNCTION {AUDIT}.copy_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {AUDIT}.events (seq, ts_ms, op, lane, lease_id, holder, host_id, reason, data)
    VALUES (NEW.seq, NEW.ts_ms, NEW.op, NEW.lane, NEW.lease_id, NEW.holder, NEW.host_id, NEW.reason, NEW.data);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS soak_archive ON {SCHEMA}.events;
CREATE TRIGGER soak_archive AFTER INSERT ON {SCHEMA}.events FOR EACH ROW EXECUTE FUNCTION {AUDIT}.copy_event();
"""


class UsageFault(Exception):
    """A command line the soak cannot run (exit 64)."""


class Unavailable(Exception):
    """PostgreSQL cannot be started or reached (exit 69)."""


@dataclass
class Agent:
    name: str
    host: int
    proc: subprocess.Popen
    started: float
    killed: bool = False  # SIGKILLed by the chaos loop (or after ignoring SIGTERM)
    stopping: bool = False  # sent SIGTERM at the end: exit 0 is expected


class Soak:
    """One run: its directory, hosts, server, agents and samples; ``teardown`` undoes all of it."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.dir = Path(tempfile.mkdtemp(prefix="dos-soak-"))
        self.ws, self.logs = self.dir / "ws", self.dir / "logs"
        self.hosts = Hosts(args.hosts)
        self.server = None
        self.url = ""
        self.agents: dict[str, Agent] = {}
        self.gen = 0
        self.kills: list[dict] = []
        self.exits: list[dict] = []
        self.samples: list[dict] = []
        self.compactions: list[float] = []
        self.compact_errors: list[str] = []
        self.respawn: list[tuple[float, int]] = []

    # ------------------------------------------------------------------ setup

    def setup(self) -> None:
        from soak_agent import dos_toml

        self.ws.mkdir()
        self.logs.mkdir()
        (self.dir / "home").mkdir()
        (self.ws / "dos.toml").write_text(dos_toml())
        if self.args.dsn:
            self.hosts.why = "--dsn given: agents run as loopback processes against that server"
            self.url = self.args.dsn
        else:
            if not self.args.loopback:
                self.hosts.create()
            else:
                self.hosts.why = "--loopback given"
            try:
                self.server = start_postgres(self.hosts.server_addrs if self.hosts.netns else [], self.hosts.subnet)
            except RuntimeError as exc:
                raise Unavailable(str(exc)) from None
            self.url = self.server.create_database("soak")
        os.environ.update(self.env(-1))
        self.prepare_store()

    def host_url(self, host: int) -> str:
        if not self.hosts.netns or host < 0 or self.args.dsn:
            return self.url
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.url)
        netloc = parts.netloc.replace(f"{parts.hostname}:", f"{self.hosts.address(host)}:", 1)
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def env(self, host: int) -> dict[str, str]:
        return {"DOS_STORE_URL": self.host_url(host), "DOS_STORE_SCHEMA": SCHEMA,
                "DISPATCH_HOST_ID": f"host{host}" if host >= 0 else "soak-coordinator",
                "HOME": str(self.dir / "home"), "DISPATCH_HOME": str(self.dir / "home" / "dos"),
                "PYTHONPATH": str(ROOT / "src")}

    def prepare_store(self) -> None:
        """Create the workspace's schema and the archive trigger before any agent starts."""
        import psycopg

        from dos.errors import DosError
        from dos.service.context import Context

        try:
            with Context.discover(str(self.ws)) as ctx:
                ctx.store.engine.migrate()
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(ARCHIVE_DDL)
        except psycopg.Error as exc:
            raise Unavailable(f"cannot prepare {SCHEMA} on the server: {' '.join(str(exc).split())}") from None
        except DosError as exc:
            raise Unavailable(str(exc)) from None

    # ------------------------------------------------------------------ agents

    def spawn(self, host: int) -> None:
        self.gen += 1
        name = f"h{host}a{self.gen}"
        env = {**os.environ, **self.env(host)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # 64 start-ups: compile once, not every time
        cmd = [*self.hosts.prefix(host), sys.executable, str(HERE / "soak_agent.py"), "--workspace", str(self.ws),
               "--name", name, "--log", str(self.logs / f"{name}.jsonl"), "--seed", str(self.rng.randrange(1 << 30)),
               "--pace", str(self.args.pace), "--parent", str(os.getpid())]
        with open(self.logs / f"{name}.err", "wb") as err:
            proc = subprocess.Popen(cmd, env=env, cwd=self.ws, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, start_new_session=True)  # Ctrl-C reaches the soak, not them
        self.agents[name] = Agent(name, host, proc, time.monotonic())

    def reap(self, now: float) -> None:
        for agent in list(self.agents.values()):
            code = agent.proc.poll()
            if code is None:
                continue
            del self.agents[agent.name]
            if agent.stopping and code == 0:
                continue
            if not agent.killed:
                tail = (self.logs / f"{agent.name}.err").read_text(errors="replace")[-600:]
                self.exits.append({"name": agent.name, "code": code, "stderr": tail})
                if not agent.stopping:
                    self.respawn.append((now + 0.5, agent.host))

    def chaos(self, now: float) -> None:
        alive = [a for a in self.agents.values() if not a.killed]
        if not alive:
            return
        victim = self.rng.choice(alive)
        victim.killed = True
        try:
            victim.proc.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.kills.append({"t": time.time(), "name": victim.name, "pid": victim.proc.pid,
                           "age_s": round(now - victim.started, 1)})
        self.respawn.append((now + self.rng.uniform(0.5, 2.0), victim.host))

    # ------------------------------------------------------------------ sampling

    def sample(self, now: float, t0: float) -> None:
        agents = []
        for a in self.agents.values():
            kb = _status_kb(a.proc.pid, "VmRSS")
            if kb is not None and not a.killed:
                agents.append((round(now - a.started, 1), kb))
        pg_kb, pg_procs = None, 0
        pm = postmaster_pid(self.server) if self.server else None
        if pm:
            family = [pm, *_children(pm)]
            values = [v for v in (_pss_kb(p) for p in family) if v is not None]
            pg_kb, pg_procs = sum(values), len(values)
        self.samples.append({"t": round(now - t0, 1), "agents": agents, "pg_pss_kb": pg_kb, "pg_procs": pg_procs})

    def compact(self) -> None:
        from dos.service.context import Context

        t0 = time.perf_counter()
        try:
            with Context.discover(str(self.ws)) as ctx:
                ctx.store.compact()
            self.compactions.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:  # noqa: BLE001 - a failed compaction is a finding, reported
            self.compact_errors.append(f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}")

    # ------------------------------------------------------------------ the run

    def run(self) -> dict:
        a = self.args
        self.setup()
        t0 = time.monotonic()
        end = t0 + a.seconds
        for i in range(a.agents):  # staggered, so start-up costs do not all land at once
            self.spawn(i % a.hosts)
            time.sleep(min(0.1, 5.0 / a.agents))
        next_kill = time.monotonic() + self.rng.expovariate(1 / a.kill_every) + 2.0
        next_sample = next_compact = time.monotonic()
        next_compact += a.compact_every if a.compact_every > 0 else float("inf")
        while (now := time.monotonic()) < end:
            self.reap(now)
            if now >= next_kill:
                self.chaos(now)
                next_kill = now + self.rng.expovariate(1 / a.kill_every)
            due = [r for r in self.respawn if r[0] <= now]
            for r in due:
                self.respawn.remove(r)
                self.spawn(r[1])
            if now >= next_sample:
                self.sample(now, t0)
                next_sample = now + a.sample_every
            if now >= next_compact:
                self.compact()
                next_compact = time.monotonic() + a.compact_every
            time.sleep(0.1)
        self.stop_agents()
        return analyse(self, time.monotonic() - t0, AUDIT)

    def stop_agents(self) -> None:
        """SIGTERM every agent (each releases what it holds and exits 0); SIGKILL what has not stopped in 20 s."""
        self.reap(time.monotonic())
        for agent in self.agents.values():
            agent.stopping = True
            if agent.proc.poll() is None:
                agent.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for agent in list(self.agents.values()):
            try:
                agent.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                agent.killed = True
                agent.proc.kill()
                agent.proc.wait()
                self.exits.append({"name": agent.name, "code": "did not stop in 20 s after SIGTERM", "stderr": ""})
        self.reap(time.monotonic())

    def teardown(self) -> None:
        for agent in self.agents.values():
            if agent.proc.poll() is None:
                agent.proc.kill()
            agent.proc.wait()
        self.agents = {}
        self.hosts.teardown()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------- /proc


def _status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _pss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        return _status_kb(pid, "VmRSS")
    return None


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


# --------------------------------------------------------------------------- command line


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Soak the PostgreSQL lease store with agents on simulated hosts.")
    ap.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    ap.add_argument("--seconds", type=float, help="how long to run, in seconds (overrides --minutes)")
    ap.add_argument("--agents", type=int, default=64)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--dsn", default="", help="a PostgreSQL database URL of yours (agents then run on loopback)")
    ap.add_argument("--loopback", action="store_true", help="no network namespaces, even as root")
    ap.add_argument("--kill-every", type=float, default=2.0, help="mean seconds between SIGKILLs")
    ap.add_argument("--compact-every", type=float, default=60.0, help="seconds between compactions (0: never)")
    ap.add_argument("--pace", type=float, default=0.6, help="agents' mean pause between cycles, seconds")
    ap.add_argument("--sample-every", type=float, default=2.0, help="seconds between memory samples")
    ap.add_argument("--tolerance", type=float, default=0.15, help="flat memory: last <= first*(1+T) + slack")
    ap.add_argument("--slack-mb", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the run directory (logs) and print its path")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else args.minutes * 60
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    if args.seconds <= 0 or args.hosts < 1 or args.agents < args.hosts:
        raise UsageFault("need a positive duration, --hosts >= 1 and --agents >= --hosts")
    if args.hosts > 9:
        raise UsageFault("at most 9 hosts (interface names must stay within 15 characters)")
    if args.kill_every <= 0 or args.pace <= 0 or args.sample_every <= 0:
        raise UsageFault("--kill-every, --pace and --sample-every must be positive")
    return args


def _interrupt(signum, frame):  # SIGTERM/SIGHUP: unwind like Ctrl-C, so teardown runs
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(argv)
    except UsageFault as exc:
        print(f"soak: {exc}", file=sys.stderr)
        return 64
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGINT too: a background job starts ignoring it
        signal.signal(sig, _interrupt)
    soak = Soak(args)
    try:
        report = soak.run()
    except Unavailable as exc:
        print(f"soak: PostgreSQL unavailable: {exc}", file=sys.stderr)
        return 69
    except KeyboardInterrupt:
        print("soak: interrupted; agents, namespaces and server torn down", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # teardown itself must not be cut short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        soak.teardown()
        signal.signal(signal.SIGINT, signal.default_int_handler)
    report["namespaces_left"] = soak.hosts.remaining()
    if args.keep:
        report["run_dir"] = str(soak.dir)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if report["pass"] and not report["namespaces_left"] else 1


if __name__ == "__main__":
    sys.exit(main())
