#!/usr/bin/env python3
"""Run DOS benchmarks side by side and print markdown tables with ratios.

    python bench/run.py                 # every bench
    python bench/run.py startup verify  # the named ones
    DOS_REF=/path/to/ref-venv/bin/dos python bench/run.py startup   # include the reference

A bench is ``bench/bench_<name>.py`` with ``cases(tmp: Path) -> list[Case]``. Cases are
run interleaved (one round runs every case once) so machine noise hits them alike;
each row reports min/median/max wall time, peak RSS, and the ratio of its median to
the case marked ``baseline`` (in the case's ``group`` when that group has one). Ratios are the figures to quote, not absolute times.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@dataclass
class Case:
    label: str
    argv: list[str]
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    baseline: bool = False
    stdin: bytes | None = None
    ok_codes: tuple[int, ...] = (0,)
    group: str = ""  # a ratio is to the baseline of the case's own group, when the group has one


def dos_cmd() -> list[str]:
    """How to run this checkout's dos: the installed script (what a user types), else python -m dos."""
    script = Path(sys.executable).parent / "dos"
    return [str(script)] if script.is_file() and os.access(script, os.X_OK) else [sys.executable, "-m", "dos"]


def ref_cmd() -> list[str] | None:
    ref = os.environ.get("DOS_REF")
    return [ref] if ref else None


def _is_reference(argv: list[str]) -> bool:
    """True for a command from the reference's venv (DOS_REF's bin directory)."""
    ref = os.environ.get("DOS_REF")
    return bool(ref) and bool(argv) and Path(argv[0]).parent == Path(ref).parent


def _env(extra: dict[str, str], argv: list[str]) -> dict[str, str]:
    env = dict(os.environ)
    # Measure what an installed tool costs: with cached bytecode, as pip leaves it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if _is_reference(argv):
        env.pop("PYTHONPATH", None)  # our src must never shadow the reference's package
    else:
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


TIME_BIN = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def measure(case: Case, scratch: Path) -> tuple[float, int]:
    """Run CASE once: (wall seconds, peak RSS in KiB of the command, 0 if unknown).

    Peak RSS comes from GNU time, which forks the command from its own small process;
    rusage taken here would carry this process's peak into the child.
    """
    rss_file = scratch / "rss"
    argv = [TIME_BIN, "-f", "%M", "-o", str(rss_file), *case.argv] if TIME_BIN else case.argv
    t0 = time.perf_counter()
    proc = subprocess.run(argv, cwd=case.cwd, env=_env(case.env, case.argv), input=case.stdin or b"",
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    if proc.returncode not in case.ok_codes:
        raise SystemExit(f"bench case {case.label!r} exited {proc.returncode}: {proc.stderr.decode()[-400:]}")
    try:
        peak = int(rss_file.read_text().split()[-1]) if TIME_BIN else 0
    except (OSError, ValueError, IndexError):
        peak = 0
    return wall, peak


def run_bench(name: str, rounds: int) -> str:
    path = HERE / f"bench_{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with tempfile.TemporaryDirectory(prefix=f"dos-bench-{name}-") as tmp:
        cases: list[Case] = mod.cases(Path(tmp))
        times = {c.label: [] for c in cases}
        rss = {c.label: 0 for c in cases}
        for c in cases:  # warm-up round, not counted
            measure(c, Path(tmp))
        for _ in range(rounds):
            for c in cases:
                wall, peak = measure(c, Path(tmp))
                times[c.label].append(wall)
                rss[c.label] = max(rss[c.label], peak)
    base = next((c for c in cases if c.baseline), cases[0])
    base_med = statistics.median(times[base.label])
    group_base = {c.group: statistics.median(times[c.label]) for c in cases if c.baseline and c.group}
    grouped = " (of its group's baseline)" if group_base else ""
    lines = [f"### {name}  ({rounds} rounds; ratio = median / median of `{base.label}`{grouped})", "",
             "| case | min ms | median ms | max ms | peak RSS MiB | ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for c in cases:
        t = times[c.label]
        lines.append(f"| {c.label} | {min(t) * 1e3:.1f} | {statistics.median(t) * 1e3:.1f} | "
                     f"{max(t) * 1e3:.1f} | {rss[c.label] / 1024:.1f} | "
                     f"{statistics.median(t) / group_base.get(c.group, base_med):.2f}x |")
    doc = (mod.__doc__ or "").strip().splitlines()
    if doc:
        lines += ["", doc[0]]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="benches to run (default: all)")
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("DOS_BENCH_ROUNDS", "15")))
    args = ap.parse_args()
    names = args.names or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s); DOS_REF={os.environ.get('DOS_REF', '(unset)')}\n")
    for name in names:
        print(run_bench(name, args.rounds))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
