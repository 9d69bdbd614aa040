"""A worker process for the recovery tests (real processes, several at once where it matters).

    worker.py declare ROOT RID TOKEN GO   wait for file GO, declare RID with TOKEN, print the outcome JSON
    worker.py run ROOT RID READY          a run that declares three steps, commits two (one empty, one
                                          outside its region), claims all three, touches READY, sleeps
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from dos.config import Workspace, load_config
from dos.service.context import Context, open_store
from dos.store.intents import IntentStore


def wait(go: str) -> None:
    while not os.path.exists(go):
        time.sleep(0.001)


def declare(root: str, rid: str, token: str, go: str) -> None:
    path = Path(root).resolve()
    store = open_store(Workspace(path, "--workspace"), load_config(path))
    wait(go)
    got = IntentStore(store.engine).declare(rid, {"goal": "race", "declared_steps": ["a"]}, token=token,
                                            writer=token, pid=os.getpid())
    print(json.dumps({"recorded": got.recorded, "token": token}))


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout.strip()


def run(root: str, rid: str, ready: str) -> None:
    from dos.service import intents

    path = Path(root).resolve()
    with Context(Workspace(path, "--workspace")) as ctx:
        v = intents.declare(ctx, rid, goal="three steps", steps=["a", "b", "c"],
                            regions={s: ["src/**"] for s in "abc"}, pid=os.getpid(), writer="worker")
        token = v.writer_token
        out = {"token": token, "start": git(path, "rev-parse", "HEAD")}
        (path / "src").mkdir(exist_ok=True)
        (path / "src" / "a.py").write_text("a = 1\n")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "step a")
        out["a"] = intents.claim(ctx, rid, "a", token=token).to_dict()
        git(path, "commit", "-q", "--allow-empty", "-m", "step b")
        out["b"] = intents.claim(ctx, rid, "b", token=token).to_dict()
        (path / "docs").mkdir(exist_ok=True)
        (path / "docs" / "c.md").write_text("c\n")
        git(path, "add", "-A")
        git(path, "commit", "-q", "-m", "step c")
        out["c"] = intents.claim(ctx, rid, "c", token=token).to_dict()
    print(json.dumps(out), flush=True)
    Path(ready).touch()
    time.sleep(3600)


if __name__ == "__main__":
    {"declare": declare, "run": run}[sys.argv[1]](*sys.argv[2:])
