"""One soak agent (started by bench/soak.py, usually inside a network namespace).

It loops until SIGTERM: acquire a lane (the lanes' trees overlap, so many acquires are
refused), beat it a few times, run the pretool hook through its real entry
(``dos.hooks.__main__.main``, in this process: the hook's own code path and its own fresh
store connection per call) on a path of its own lane and on another lane's, then release;
now and then it lets its lease lapse on purpose and checks that the beat after the TTL
finds nothing. Each operation is one JSON line appended to --log:
``{"t": epoch s, "op": ..., "ms": latency, "out": outcome[, "err": class]}``.
A DosError is logged by class and the loop goes on; anything else is a crash (exit 70).

    soak_agent.py --workspace DIR --name NAME --log FILE [--seed N] [--pace S]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import signal
import sys
import time
import traceback

# lane -> (a path inside it for the hook, weight of picking it, may be held shared)
LANES = {
    "api": ("api/handlers.py", 3, False), "api_v1": ("api/v1/routes.py", 3, False),
    "api_v2": ("api/v2/routes.py", 3, False), "web": ("web/app.js", 3, False),
    "web_ui": ("web/ui-kit/button.js", 3, False), "core": ("core/engine.py", 3, False),
    "docs": ("docs/index.md", 3, True), "docs_guide": ("docs/guide/start.md", 3, True),
    "tests": ("tests/test_api.py", 3, False), "infra": ("infra/deploy.sh", 2, False),
    **{f"pkg{k}": (f"pkg/p{k}/mod.py", 3, False) for k in range(8)},
    "pkg": ("pkg/README.md", 1, False), "global": ("setup.cfg", 0.3, False),
}
DOS_TOML = """[lanes]
concurrent = {concurrent}
exclusive = ["global"]

[lanes.trees]
api = ["api/**"]
api_v1 = ["api/v1/**"]
api_v2 = ["api/v2/**", "core/proto/**"]
web = ["web/**"]
web_ui = ["web/ui-*"]
core = ["core/**"]
docs = ["docs/**"]
docs_guide = ["docs/guide/**"]
tests = ["tests/**", "api/tests/**"]
infra = ["infra/**", ".ci/**"]
pkg = ["pkg/**"]
{pkgs}
global = ["**/*"]
"""


def dos_toml() -> str:
    """The soak workspace's lanes: nested and crossing trees, so that contention is real."""
    concurrent = [name for name in LANES if name != "global"]
    pkgs = "".join(f'pkg{k} = ["pkg/p{k}/**"]\n' for k in range(8))
    return DOS_TOML.format(concurrent=json.dumps(concurrent), pkgs=pkgs.rstrip("\n"))


class Agent:
    def __init__(self, args: argparse.Namespace) -> None:
        from dos.service.context import Context

        self.name, self.ws, self.pace = args.name, args.workspace, args.pace
        self.rng = random.Random(args.seed)
        self.fd = os.open(args.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.stop = False
        self.ctx = Context.discover(args.workspace)
        self.names = list(LANES)
        self.weights = [LANES[n][1] for n in self.names]

    # ------------------------------------------------------------------ recording

    def log(self, op: str, ms: float, out: str, err: str = "", **extra: object) -> None:
        rec = {"t": round(time.time(), 3), "op": op, "ms": round(ms, 3), "out": out, **extra}
        if err:
            rec["err"] = err
        os.write(self.fd, (json.dumps(rec, separators=(",", ":")) + "\n").encode())

    def timed(self, op: str, call, classify):
        """Run CALL; log its latency and outcome (CLASSIFY(result)); a DosError is logged by class."""
        from dos.errors import DosError

        t0 = time.perf_counter()
        try:
            result = call()
        except DosError as exc:
            self.log(op, (time.perf_counter() - t0) * 1000, "error", type(exc).__name__,
                     msg=" ".join(str(exc).split())[:200])
            return None, "error"
        out = classify(result)
        self.log(op, (time.perf_counter() - t0) * 1000, out)
        return result, out

    def nap(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stop and time.monotonic() < end:
            time.sleep(min(0.25, max(0.0, end - time.monotonic())))

    # ------------------------------------------------------------------ operations

    def acquire(self, lane: str, shared: bool, ttl_ms: int):
        from dos.service import leases as svc

        req = svc.request(lane, holder=self.name, mode="shared" if shared else "exclusive")
        return self.timed("acquire", lambda: svc.acquire(self.ctx, req, holder=self.name, session=self.name,
                                                         ttl_ms=ttl_ms, pid=os.getpid()),
                          lambda r: "granted" if r.granted else "refused")

    def beat(self, lease_id: str, op: str = "heartbeat"):
        from dos.service import leases as svc

        return self.timed(op, lambda: svc.heartbeat(self.ctx, holder=self.name, lease_id=lease_id),
                          lambda r: "beaten" if r is not None else "not_held")

    def release(self, lease_id: str):
        from dos.service import leases as svc

        return self.timed("release", lambda: svc.release(self.ctx, holder=self.name, lease_id=lease_id),
                          lambda r: "released" if r is not None else "not_held")

    def hook(self, path: str, op: str) -> str:
        """The pretool hook on a Write of PATH, through dos-hook's entry; 'allow', 'deny' or 'deny_store'."""
        from dos.hooks.__main__ import main as hook_main

        payload = {"session_id": self.name, "cwd": self.ws, "hook_event_name": "PreToolUse", "tool_name": "Write",
                   "tool_input": {"file_path": os.path.join(self.ws, path), "content": "x\n"}}
        out, err = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        code = hook_main(["pretool", "--dialect", "claude-code"], stdin=io.StringIO(json.dumps(payload)),
                         stdout=out, stderr=err, env=os.environ)
        ms = (time.perf_counter() - t0) * 1000
        text = out.getvalue()
        if code == 0 and not text:
            verdict = "allow"
        elif code == 2 and '"deny"' in text:
            verdict = "deny_store" if "cannot read its lease store" in text else "deny"
        else:
            verdict = f"exit{code}"
        notes = err.getvalue().strip()
        self.log(op, ms, verdict, **({"note": notes[:200]} if notes and verdict != "deny" else {}))
        return verdict

    # ------------------------------------------------------------------ the loop

    def hold(self, lease) -> None:
        """Beat LEASE a few times, checking the hook, then release it (or let it lapse on purpose)."""
        ttl_ms, lease_id = lease.ttl_ms, lease.lease_id
        own = LANES.get(lease.lane, ("",))[0]  # the granted lane: an auto-pick may differ from the asked one
        shared = str(lease.mode) == "shared"
        if self.rng.random() < 0.04:
            self.nap(ttl_ms / 1000 + 0.5)  # lapse: the TTL passes without a beat
            if not self.stop:
                self.beat(lease_id, op="lapsed_beat")  # must find nothing to beat
            self.release(lease_id)  # an expired (maybe scavenged) lease: released or not_held
            return
        for _ in range(self.rng.randint(1, 4)):
            self.nap(self.rng.uniform(0.25, 0.45) * ttl_ms / 1000)
            if self.stop:
                break
            got, out = self.beat(lease_id)
            if out != "beaten":
                return
            if own and not shared and self.rng.random() < 0.5:
                self.hook(own, "hook_own")  # an exclusive, freshly beaten lease: must allow
            if self.rng.random() < 0.3:
                self.hook(LANES[self.rng.choice(self.names)][0], "hook_other")
        self.release(lease_id)

    def run(self) -> None:
        while not self.stop:
            lane = self.rng.choices(self.names, self.weights)[0]
            shared = LANES[lane][2] and self.rng.random() < 0.6
            ttl_ms = self.rng.randint(5000, 8000)
            result, out = self.acquire(lane, shared, ttl_ms)
            if out == "granted":
                self.hold(result.lease)
            elif out == "refused" and self.rng.random() < 0.3:
                self.hook(LANES[lane][0], "hook_other")
            self.nap(self.rng.expovariate(1 / self.pace))


def _die_with_parent(parent: int) -> None:
    """SIGKILL this agent when the soak process dies (Linux prctl PR_SET_PDEATHSIG), so none outlives it."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the soak died before the prctl took hold
        os._exit(0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pace", type=float, default=0.6, help="mean pause between cycles, seconds")
    ap.add_argument("--parent", type=int, default=0, help="the soak's pid: this agent dies with it")
    args = ap.parse_args()
    if args.parent:
        _die_with_parent(args.parent)
    agent = Agent(args)
    signal.signal(signal.SIGTERM, lambda *_: setattr(agent, "stop", True))
    agent.log("start", 0.0, "ok", pid=os.getpid(), host=os.environ.get("DISPATCH_HOST_ID", ""))
    try:
        agent.run()
    except Exception:  # noqa: BLE001 - a crash is a finding: logged in full, then exit 70
        agent.log("crash", 0.0, "crash", "crash", msg=traceback.format_exc()[-1500:])
        return 70
    agent.log("stop", 0.0, "ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
