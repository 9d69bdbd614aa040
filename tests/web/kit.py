"""Start a real ``dos serve`` on 127.0.0.1 for a test, and talk to it over HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import dos_env

TOKEN = "t0k3n-for-the-tests-only-0123456789"


@dataclass
class Server:
    proc: subprocess.Popen
    url: str

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def start(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """``dos serve --port 0 ARGS`` in CWD; returns once it printed the URL it listens on."""
    proc = subprocess.Popen([sys.executable, "-m", "dos", "serve", "--port", "0", *args], cwd=cwd,
                            env=dos_env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"(http://\S+/)", line)
    if not m:
        proc.kill()
        err = proc.stderr.read()
        proc.wait()
        raise AssertionError(f"dos serve did not start: {line!r} {err}")
    return Server(proc, m.group(1))


@pytest.fixture
def serve(fleet_ws):
    """``serve(*args)`` starts a dashboard on the fleet workspace; every one is stopped after the test."""
    started: list[Server] = []

    def make(*args: str, env: dict[str, str] | None = None) -> Server:
        s = start(fleet_ws.path, *args, env=env)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()
