"""The store fixtures: every store test runs on each engine in ENGINES.

``store_factory.make(root, clock=None)`` opens the store of workspace ROOT in this
process; subprocess workers open the same store with ``store_factory.env`` in their
environment (``DOS_STORE_URL`` for PostgreSQL) and ``--workspace ROOT``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from dos.config import Workspace, load_config
from dos.service.context import open_store
from dos.store.leases import Store

ENGINES = ["sqlite", "postgres"]
WORKER = Path(__file__).with_name("worker.py")
SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class StoreFactory:
    """Opens stores of one engine; ``env`` is what a subprocess needs to reach the same store."""

    engine: str
    env: dict[str, str] = field(default_factory=dict)
    opened: list[Store] = field(default_factory=list)

    def make(self, root: Path, clock: Callable[[], int] | None = None, *, schema: str = "") -> Store:
        """ROOT's store; SCHEMA (PostgreSQL) keeps a second workspace apart from the default one."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        env = {**self.env, "DOS_STORE_SCHEMA": schema} if schema and self.env else self.env
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            store = open_store(Workspace(root.resolve(), "--workspace"), load_config(root), clock=clock)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.opened.append(store)
        return store

    def worker_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
        env.update(self.env)
        env.update(extra or {})
        return env

    def spawn(self, *args: str, extra_env: dict[str, str] | None = None, **kw: Any) -> subprocess.Popen[str]:
        """Start ``tests/store/worker.py ARGS`` against this engine."""
        return subprocess.Popen([sys.executable, str(WORKER), *args], env=self.worker_env(extra_env),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, **kw)


@pytest.fixture(params=ENGINES)
def store_factory(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    # PostgreSQL: a fresh database per test on the session's throwaway server (tests/pgserver.py).
    env = {"DOS_STORE_URL": request.getfixturevalue("pg_url"), "DOS_STORE_SCHEMA": "dos_test"} \
        if request.param == "postgres" else {}
    factory = StoreFactory(request.param, env)
    yield factory
    for store in factory.opened:
        try:
            store.close()
        except Exception:
            pass
