"""Differential table: this project against dos-kernel 0.22.0 on identical inputs.

Each ``Row`` runs one command on both sides, each in its own copy of one workspace, and
compares exit codes, JSON keys and their types (see ``diffrows``). Every expected
difference is declared in its row, once, with a category and a one-line reason:

* ``DOC("...")``: a deliberate difference; the string opens the docs/compat.md bullet.
* ``BUG``: an undocumented break a user's script would trip on (to be fixed).
* ``REF("file.md §N")``: a reference bug from the spec's bug lists that we fixed on purpose.

A row with no declared difference must match exactly, and a declared difference that no
longer occurs fails its row, so the table stays honest. The rows run in a thread pool
(the reference starts slowly); ``python tests/diff/test_differential.py [FILTER]``
prints what each matching row observes, and ``--bugs`` lists every BUG_OURS entry.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from dos.service.wiring_base import SPECS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from diffkit import (Commit, SideResult, Step, Workspace, build_template, declared_files,  # noqa: E402
                     run_side)
from diffrows import (DOC, REF, Diff, Exit, Extra, Json, Missing, Row,  # noqa: E402
                      Types, Value, check_cat, compat_bullets, judge, observe, suggest)

# =========================================================================== inputs

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def make_rid(ts_ms: int, tail: int = 12345) -> str:
    """A run id for TS_MS in the shared format: 15 base-32 chars of (ms << 30 | 30 random bits)."""
    n = (ts_ms << 30) | tail
    return "RID-" + "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in reversed(range(15)))


# Times are relative to the clock: setup leases are stamped with the real time, so a fixed
# --now-ms would drift into their past. The run starts 10 minutes before the table is built;
# NOW_1H is an hour after that (every setup heartbeat is then ~1 h old: STALLED on both sides).
RID_MS = int(time.time() * 1000) - 600_000
RID = make_rid(RID_MS)
NOW_1H = str(RID_MS + 3_600_000 + 600_000)
NOW_1M = str(RID_MS + 60_000)            # a minute into the run, before anything beat
LTS = "2026-01-01T00:00:00Z"              # a fixed loop_ts for setup leases

LANES_TOML = """\
[lanes]
concurrent = ["api", "docs", "src"]
exclusive = ["global"]
autopick = ["api", "docs", "src"]

[lanes.trees]
api = ["api/**"]
docs = ["docs/**"]
src = ["src/**"]
global = ["**/*"]
"""
INFRA_TOML = LANES_TOML.replace('exclusive = ["global"]', 'exclusive = ["global", "infra"]').replace(
    'global = ["**/*"]', 'global = ["**/*"]\ninfra = ["infra/**"]')
CASE_TOML = LANES_TOML.replace('"api"', '"API"').replace("api = [", "API = [")

BASE = (Commit("init", {"src/a.py": "a\n", "api/b.py": "b\n", "docs/c.md": "c\n"}),
        Commit("AUTH1: ship login", {"src/login.py": "login\n"}))
GIT = Workspace(commits=BASE)
NOGIT = Workspace(git=False)
LANES = Workspace(commits=BASE, toml=LANES_TOML)


def with_toml(extra: str, ws: Workspace = LANES) -> Workspace:
    return dataclasses.replace(ws, toml=(ws.toml or "") + "\n" + extra)


def lease(lane: str, owner: str = "agent-1", *more: str) -> tuple[str, ...]:
    return ("lease-lane", "acquire", "--lane", lane, "--kind", "cluster", "--owner", owner, *more)


HELD = Workspace(commits=BASE, toml=LANES_TOML, setup=(lease("src", "agent-1", "--loop-ts", LTS),))
HELD_NOTS = Workspace(commits=BASE, toml=LANES_TOML, setup=(lease("src"),))
HELD_RID = Workspace(commits=BASE, toml=LANES_TOML, setup=(lease("src", "agent-1", "--run-id", RID),))
HELD_SESSION = Workspace(commits=BASE, toml=LANES_TOML, setup=(lease("src", "s-9"),))
ALL_HELD = Workspace(commits=BASE, toml=LANES_TOML,
                     setup=(lease("src", "a1", "--loop-ts", LTS), lease("api", "a2", "--loop-ts", LTS),
                            lease("docs", "a3", "--loop-ts", LTS)))
ARCHIVE_HELD = Workspace(commits=BASE, setup=(("lease", "acquire", "me"),))
RECORDS = Workspace(commits=BASE, toml=LANES_TOML,
                    setup=(("lease-lane", "spawn", "--lane", "api", "--owner", "launcher"),
                           ("halt", "--handle", "9176", "--reason", "stuck")))
RELEASED = Workspace(commits=BASE, toml=LANES_TOML,
                     setup=(lease("src", "agent-1", "--loop-ts", LTS),
                            ("lease-lane", "release", "--lane", "src", "--owner", "agent-1")))
ALLOCATED = Workspace(commits=BASE, setup=(("id-alloc", "allocate", "TICKET"),))

# verify: history with a revert, a version bump after a real ship, a trailing period
HISTORY = Workspace(commits=(
    *BASE,
    Commit("AUTH3: ship logout", {"src/logout.py": "out\n"}),
    Commit(revert=2),
    Commit("AUTH: AUTH21.", {"src/cache.py": "c\n"}),
    Commit("AUTH40: real code", {"src/forty.py": "40\n"}),
    Commit("AUTH40: bump version", {"VERSION": "1.0.1\n"}),
    Commit("AUTH5: add reports", {"src/reports.py": "r\n"}),
    Commit(revert=7),
    Commit(revert=8),
))
REGISTRY = Workspace(commits=BASE, state=(
    "recently_completed:\n"
    "  - plan: AUTH\n    phase: AUTH7\n    status: done\n    commit_sha: {sha1}\n"
    "  - plan: AUTH\n    phase: AUTH8\n    status: done\n    commit_sha: deadbeefdeadbeefdeadbeef\n"
    "  - plan: AUTH\n    phase: AUTH9\n    status: failed\n    commit_sha: {sha1}\n"))

AUDIT = Workspace(commits=(*BASE, Commit("fix: typo in readme", {"README.md": "r\n"}),
                           Commit("feat: add parser", {"docs/parser.md": "d\n"})))

PLAN_DOC = """# Auth plan
id: AUTH

## 1. AUTH AUTH1 — login
SHIPPED in abc.

## 2. AUTH AUTH2 — logout
open.

| AUTH3 | tokens | (shipped 2026-01-01) |
"""
PHASES_DOC = "# Plan\n\n### Phase 1\nSHIPPED.\n\n### Phase 2\nopen\n"
EMPTY_DOC = "# Nothing here\n\nJust prose.\n"
MIXED_DOC = "# P\n\n## AUTH1 login\nSHIPPED\n\n## AUTH2 logout\nnot yet\n\n| AUTH3 | x |\n| AUTH1 | y |\n"
OVER_DOC = "# P\nid: AUTH\n\n## 1. AUTH AUTH5 — reports\nSHIPPED\n"
OTHER_ID_DOC = "# P\n\n## AUTH2 logout\nopen. AUTH3 (shipped 2026-01-01)\n"
PLANS = Workspace(commits=BASE, toml=LANES_TOML, plans={"docs/auth-plan.md": PLAN_DOC})
OVER = Workspace(commits=BASE, toml=LANES_TOML, plans={"docs/auth-plan.md": OVER_DOC})


def doc(text: str) -> Workspace:
    return Workspace(commits=BASE, files={"p.md": text})


SHADOW_TOML = ('[lanes]\nconcurrent = ["src", "core"]\nexclusive = ["global"]\nautopick = ["src", "core"]\n'
               '[lanes.trees]\nsrc = ["src/**"]\ncore = ["src/core/**"]\nglobal = ["**/*"]\n')
NOTREE_TOML = ('[lanes]\nconcurrent = ["src", "orphan"]\nexclusive = ["global"]\nautopick = ["src"]\n'
               '[lanes.trees]\nsrc = ["src/**"]\nglobal = ["**/*"]\n')
DEAD_TOML = ('[lanes]\nconcurrent = ["src"]\nexclusive = ["src", "global"]\nautopick = ["src", "ghost"]\n'
             '[lanes.trees]\nsrc = ["src/**"]\nglobal = ["**/*"]\n[lanes.aliases]\nfoo = "nowhere"\n')
OVERLAP_TOML = ('[lanes]\nconcurrent = ["a", "b"]\nexclusive = ["global"]\n'
                '[lanes.trees]\na = ["src/**"]\nb = ["src/**"]\nglobal = ["**/*"]\n')
BROKEN_TOML = LANES_TOML + "\n[lanes\nbroken"


def lint_ws(toml: str) -> Workspace:
    return Workspace(commits=BASE, toml=toml)


def payload(event: str, tool: str = "", **tool_input: str) -> str:
    body: dict[str, object] = {"session_id": "s-9", "cwd": "{ws}", "hook_event_name": event}
    if tool:
        body.update(tool_name=tool, tool_input=tool_input)
    if event == "PostToolUse":
        body["tool_response"] = "same bytes"
    if event == "Stop":
        body["stop_hook_active"] = False
    return json.dumps(body)


EDIT_SRC = payload("PreToolUse", "Edit", file_path="{ws}/src/a.py", old_string="a", new_string="b")
EDIT_API = payload("PreToolUse", "Edit", file_path="{ws}/api/b.py", old_string="b", new_string="c")
READ_SRC = payload("PreToolUse", "Read", file_path="{ws}/src/a.py")
BASH_LS = payload("PreToolUse", "Bash", command="ls -la")
GEMINI_WRITE = json.dumps({"session_id": "s-9", "cwd": "{ws}", "hook_event_name": "BeforeTool",
                           "tool_name": "write_file",
                           "tool_input": {"file_path": "{ws}/src/a.py", "content": "x"}})
POST_BASH = payload("PostToolUse", "Bash", command="ls")
STOP = payload("Stop")
REPEATED = Workspace(commits=BASE, toml=LANES_TOML,
                     setup=(Step(("hook", "posttool"), stdin=POST_BASH),
                            Step(("hook", "posttool"), stdin=POST_BASH)))

ONE_LEASE = json.dumps([{"lane": "src", "lane_kind": "cluster", "tree": ["src/**"],
                         "holder": "x", "loop_ts": LTS}])

# =========================================================================== differences
# Differences that recur across rows are defined once here, with their reason.

# DOS has no drivers: --job / --driver NAME are ignored with one stderr note, so a row run
# with them differs from the same row without them only where the reference's driver changes
# the answer (its own grammar, its own lane journal).
DRIVER = DOC("**`--driver NAME` and `--job`**")
DRIVER_WHY = "DOS ignores the driver (one stderr note); the workspace's own dos.toml applies"

# Verbs of the reference's exit-code table that DOS does not implement (yet), so does not
# advertise. When DOS adds one of them, it moves out of this set (and its rows change with it).
UNIMPLEMENTED_VERBS: set[str] = set()
# Verbs of our exit-code table that the reference's table does not list.
OUR_TABLE_VERBS = {"arg-provenance", "attest", "claim", "commit-audit", "decisions", "doctor --check",
                   "export", "halt", "health", "helped", "hook posttool", "hook pretool", "hook selftest",
                   "hook stop", "intent claim", "intent declare", "intent show", "intent suspend",
                   "intent verify", "journal verify", "lease acquire", "lease release", "lease status",
                   "lease-lane acquire", "lease-lane adopt", "lease-lane heartbeat", "lease-lane live",
                   "lease-lane release", "lease-lane spawn", "lint", "loop", "man", "notify", "observe",
                   "plan", "quickstart", "reap", "scope", "scope-gate", "scout", "serve", "store migrate",
                   "store status", "top", "trace", "verify-receipt", "watch",
                   "intervention-eval", "judge", "judge-eval", "learn", "memory recall", "memory remember",
                   "memory verify", "overlap-eval", "precursor-gate-eval", "projects", "reindex",
                   "tool-stream-eval"}
EXIT_CODES_DOC = DOC("**`dos exit-codes`** lists the verdict verbs")
EXIT_CODES_MISSING_WHY = "a verb DOS does not implement is not advertised in the exit-code table"
EXIT_CODES_EXTRA_WHY = "our table adds the verdict verbs the reference left out"

DOCTOR_DOC = DOC("**`dos doctor` creates nothing**")
DOCTOR_ADDED = {"config", "found_by", "git_detail", "hooks_wired", "store"}


REF_HOSTS = {"claude-code", "codex", "cursor", "gemini", "antigravity"}
NEW_HOSTS = sorted(set(SPECS) - REF_HOSTS)  # hosts the reference 0.22 does not wire


def doctor_diffs() -> tuple[Diff, ...]:
    return (
        Missing({"verifiability"}, DOCTOR_DOC, "doctor does not read commit history, so no verifiability block"),
        *([Missing({f"exit_codes.{v}" for v in UNIMPLEMENTED_VERBS}, EXIT_CODES_DOC, EXIT_CODES_MISSING_WHY)]
          if UNIMPLEMENTED_VERBS else []),
        Extra({f"exit_codes.{v}" for v in OUR_TABLE_VERBS}, EXIT_CODES_DOC, EXIT_CODES_EXTRA_WHY),
        Extra(DOCTOR_ADDED, DOCTOR_DOC,
              "doctor reports where it found the workspace, the config, the store, git's detail and wired hooks"),
        Extra({"hooks_health"}, DOC("**`dos hook selftest [HOST]"), "doctor shows the wired hooks' health"),
        Extra({f"runtime_hooks.{h}" for h in NEW_HOSTS}, DOC("**More hosts.**"),
              "doctor lists the hooks of every host DOS wires, not only the reference's five"),
        Extra({"lanes.aliases", "stamp.summary"}, DOC("**`dos doctor --json` also shows"),
              "doctor shows the lane aliases and the stamp grammar in one line"),
    )


EXIT_CODES_DIFFS = (*([Missing(UNIMPLEMENTED_VERBS, EXIT_CODES_DOC, EXIT_CODES_MISSING_WHY)] if UNIMPLEMENTED_VERBS
                      else []),
                    Extra(OUR_TABLE_VERBS, EXIT_CODES_DOC, EXIT_CODES_EXTRA_WHY))


LEASE_ADDS = Extra({"blocking", "fence", "lease", "lease_id", "scavenged", "session"},
                   DOC("**Identity.**"), "grants carry lease_id, fence, the lease, scavenged, session, blocking")
LEASE_FIELDS = {"acquired_ms", "expires_ms", "fence", "heartbeat_at", "heartbeat_ms", "lease_id",
                "mode", "pid_start", "run_id", "session", "ttl_minutes", "ttl_ms"}
NO_PID = DOC("**Holder process.**")
NO_PID_WHY = "a lease records no pid unless --pid names one (the reference stored its own CLI's pid)"
BLOCKING = Extra({"blocking"}, DOC("**Leases are identified by `lease_id`;**"),
                 "arbiter decisions list the blocking lease ids")
SEQ = Extra({"seq"}, DOC("**Identity.**"), "recording verbs report the event's seq")
STRICT = DOC("**`dos.toml` is strict.**")
STOP_DOC = DOC("**Stop:**")
STOP_JSON_WHY = "hook stop --json prints {ok, token, checked, results, reason}: the verdict's token is added"
WATCH_DOC = DOC("`watch --json` keeps the reference's")
WATCH_WHY = "watch --json adds each run's detail (runs) and each proposal (halts) beside the reference's keys"
WATCH_ADDS = Extra({"halts", "runs"}, WATCH_DOC, WATCH_WHY)
PLAN_GLOB = Extra({"plans_glob"}, DOC("**`dos plan --json` also reports `plans_glob`**"),
                  "plan --json names the glob its phases came from")

# =========================================================================== the table


def R(id: str, argv: tuple[str, ...] | list[str], ws: Workspace = GIT, *diffs: Diff,
      stdin: str | None = None, values: tuple[str, ...] = ()) -> Row:
    return Row(id, tuple(argv), ws, tuple(diffs), stdin, values)


ROWS: list[Row] = [
    # ------------------------------------------------------------------ init / quickstart
    R("init-fresh", ["init"], GIT),
    R("init-existing", ["init"], LANES,
      Exit(1, 0, DOC("**`dos init` is idempotent:**"), "an existing dos.toml is left alone, exit 0")),
    R("init-force", ["init", "--force"], LANES),
    R("init-dir", ["init", "sub"], GIT),
    R("init-no-dirs", ["init"], NOGIT),
    R("init-example", ["init", "--example", "workshop"], GIT),
    R("init-with-hooks", ["init", "--with-hooks"], GIT),
    R("init-skills", ["init", "--skills"], GIT),
    R("init-hooks-claude", ["init", "--hooks", "claude-code"], GIT),
    R("init-hooks-dry-run", ["init", "--hooks", "claude-code", "--dry-run"], GIT),
    R("init-dry-run-alone", ["init", "--dry-run"], GIT),
    R("init-hooks-bogus", ["init", "--hooks", "bogus"], GIT),
    R("init-job", ["--job", "init"], GIT),
    R("quickstart", ["quickstart"], GIT),
    # ------------------------------------------------------------------ doctor
    R("doctor-text", ["doctor"], LANES),
    R("doctor-json", ["doctor", "--json"], LANES, *doctor_diffs()),
    R("doctor-check", ["doctor", "--check"], LANES),
    R("doctor-check-json", ["doctor", "--check", "--json"], LANES, *doctor_diffs()),
    R("doctor-json-no-toml", ["doctor", "--json"], GIT, *doctor_diffs()),
    R("doctor-json-not-git", ["doctor", "--json"], NOGIT, *doctor_diffs()),
    R("doctor-json-subdir", ["doctor", "--json"],
      Workspace(commits=BASE, toml=LANES_TOML, subdir="src/deep"), *doctor_diffs()),
    R("doctor-broken-toml", ["doctor"], lint_ws(BROKEN_TOML),
      Exit(0, 2, STRICT, "a TOML syntax error exits 2 with one line")),
    R("doctor-job", ["--job", "doctor", "--json"], LANES, *doctor_diffs()),
    R("doctor-driver", ["--driver", "workshop", "doctor"], LANES),
    # ------------------------------------------------------------------ lint
    R("lint-clean-json", ["lint", "--json"], LANES),
    R("lint-clean-text", ["lint"], LANES),
    R("lint-no-toml", ["lint", "--json"], GIT),
    R("lint-shadowed", ["lint", "--json"], lint_ws(SHADOW_TOML), values=("findings[*].kind",)),
    R("lint-no-tree", ["lint", "--json"], lint_ws(NOTREE_TOML), values=("findings[*].kind",)),
    R("lint-dead-policy", ["lint", "--json"], lint_ws(DEAD_TOML), values=("findings[*].kind|sorted",)),
    R("lint-overlap", ["lint", "--json"], lint_ws(OVERLAP_TOML), values=("findings[*].kind",)),
    R("lint-shadowed-text", ["lint"], lint_ws(SHADOW_TOML)),
    R("lint-strict", ["lint", "--strict", "--json"], lint_ws(SHADOW_TOML),
      Exit(0, 2, DOC("**`dos lint --errors-only`** replaces"), "the inverted --strict is gone")),
    R("lint-errors-only", ["lint", "--errors-only", "--json"], lint_ws(SHADOW_TOML),
      Exit(2, 0, DOC("**`dos lint --errors-only`** replaces"), "--errors-only is the new name")),
    R("lint-broken-toml", ["lint", "--json"], lint_ws(BROKEN_TOML),
      Exit(0, 2, STRICT, "lint sees a syntax error (the reference warned 18 times and said clean)")),
    R("lint-typo-table", ["lint", "--json"], with_toml("[lane]\nx = 1\n"),
      Exit(0, 2, STRICT, "an unknown table is an error naming it")),
    R("lint-job", ["--job", "lint", "--json"], LANES),
    # ------------------------------------------------------------------ exit-codes
    R("exit-codes-text", ["exit-codes"], GIT),
    R("exit-codes-json", ["exit-codes", "--json"], GIT, *EXIT_CODES_DIFFS),
    R("exit-codes-verify", ["exit-codes", "verify", "--json"], GIT),
    R("exit-codes-commit-audit", ["exit-codes", "commit-audit", "--json"], GIT,
      Exit(2, 0, EXIT_CODES_DOC, "commit-audit is in our table")),
    R("exit-codes-breaker", ["exit-codes", "breaker", "--json"], GIT),
    R("exit-codes-unknown", ["exit-codes", "nosuch"], GIT),
    R("exit-codes-job", ["--job", "exit-codes", "--json"], GIT, *EXIT_CODES_DIFFS),
    # ------------------------------------------------------------------ verify
    R("verify-shipped", ["verify", "AUTH", "AUTH1"], GIT),
    R("verify-shipped-json", ["verify", "AUTH", "AUTH1", "--json"], GIT,
      values=("shipped", "source", "rung", "sha")),
    R("verify-not-shipped", ["verify", "AUTH", "AUTH2"], GIT),
    R("verify-not-shipped-json", ["verify", "AUTH", "AUTH2", "--json"], GIT, values=("source",)),
    R("verify-case", ["verify", "auth", "auth1", "--json"], GIT, values=("plan", "phase", "shipped")),
    R("verify-reverted", ["verify", "AUTH", "AUTH3"], HISTORY,
      Exit(0, 1, DOC("**Reverts un-ship.**"), "a reverted stamp is not a ship")),
    R("verify-reverted-json", ["verify", "AUTH", "AUTH3", "--json"], HISTORY,
      Exit(0, 1, DOC("**Reverts un-ship.**"), "a reverted stamp is not a ship"),
      Extra({"reverted_by"}, DOC("**Reverts un-ship.**"), "JSON gains reverted_by")),
    R("verify-revert-reverted", ["verify", "AUTH", "AUTH5", "--json"], HISTORY, values=("shipped",)),
    R("verify-trailing-period", ["verify", "AUTH", "AUTH21"], HISTORY,
      Exit(1, 0, REF("truth.md §18.4"), "a trailing period ends the token")),
    R("verify-bump-demotion", ["verify", "AUTH", "AUTH40", "--json"], HISTORY,
      Exit(1, 0, REF("truth.md §18.5"), "a later version-bump mention no longer hides the real ship"),
      Value("shipped", False, True, REF("truth.md §18.5"), "the older real ship stands"),
      values=("shipped",)),
    R("verify-registry", ["verify", "AUTH", "AUTH7", "--json"], REGISTRY,
      Extra({"summary"}, DOC("**Registry rows are checked against git.**"),
            "a registry ship proven by ancestry carries the commit's summary"),
      values=("shipped", "source")),
    R("verify-registry-fake-sha", ["verify", "AUTH", "AUTH8", "--json"], REGISTRY,
      Exit(0, 1, REF("truth.md §18.2"), "a registry row whose sha is not in git is no evidence"),
      Missing({"sha"}, REF("truth.md §18.2"), "no sha is reported for the rejected row")),
    R("verify-registry-failed", ["verify", "AUTH", "AUTH9", "--json"], REGISTRY),
    R("verify-ref", ["verify", "AUTH", "AUTH1", "--ref", "HEAD~1", "--json"], GIT,
      Exit(2, 1, DOC("**`--ref REF`** judges another branch"), "--ref is new")),
    R("verify-empty-phase", ["verify", "AUTH", ""], GIT),
    R("verify-missing-phase", ["verify", "AUTH"], GIT),
    R("verify-no-ci", ["verify", "AUTH", "AUTH1", "--no-ci"], GIT),
    R("verify-no-ci-json", ["verify", "AUTH", "AUTH2", "--no-ci", "--json"], GIT),
    R("verify-explain", ["verify", "AUTH", "AUTH1", "--explain"], GIT),
    R("verify-explain-json", ["verify", "AUTH", "AUTH1", "--explain", "--json"], GIT),
    R("verify-explain-not-json", ["verify", "AUTH", "AUTH2", "--explain", "--json"], GIT),
    R("verify-output-json", ["verify", "AUTH", "AUTH1", "--output", "json"], GIT),
    R("verify-output-plain", ["verify", "AUTH", "AUTH1", "--output", "plain"], GIT),
    R("verify-output-bogus", ["verify", "AUTH", "AUTH1", "--output", "bogus"], GIT),
    R("verify-workspace-before", ["--workspace", "{ws}", "verify", "AUTH", "AUTH1"], GIT),
    R("verify-workspace-after", ["verify", "--workspace", "{ws}", "AUTH", "AUTH1"], GIT),
    R("verify-env-workspace", ["verify", "AUTH", "AUTH1"],
      Workspace(commits=BASE, subdir="elsewhere", env={"DISPATCH_WORKSPACE": "{ws}"})),
    R("verify-not-git", ["verify", "AUTH", "AUTH1"], NOGIT),
    R("verify-job", ["--job", "verify", "AUTH", "AUTH1"], GIT, Exit(1, 0, DRIVER, "the reference's job driver brings its own stamp grammar (NOT_SHIPPED); " + DRIVER_WHY)),
    R("verify-job-after", ["verify", "AUTH", "AUTH1", "--job"], GIT, Exit(1, 0, DRIVER, "the reference's job driver brings its own stamp grammar (NOT_SHIPPED); " + DRIVER_WHY)),
    R("verify-driver", ["--driver", "job", "verify", "AUTH", "AUTH1"], GIT, Exit(1, 0, DRIVER, "the reference's job driver brings its own stamp grammar (NOT_SHIPPED); " + DRIVER_WHY)),
    R("verify-driver-unknown", ["--driver", "nosuch", "verify", "AUTH", "AUTH1"], GIT,
      Exit(2, 0, DRIVER, "an unknown driver name is ignored like any other (the reference exits 2 naming it)")),
    # ------------------------------------------------------------------ commit-audit
    R("audit-head", ["commit-audit"], AUDIT),
    R("audit-json", ["commit-audit", "--json"], AUDIT, values=("[0].verdict", "[0].witness")),
    R("audit-doc-claim", ["commit-audit", "HEAD~1", "--json"], AUDIT, values=("[0].verdict",)),
    R("audit-abstain", ["commit-audit", "HEAD~2", "--json"], AUDIT, values=("[0].verdict",)),
    R("audit-sweep-range", ["commit-audit", "HEAD~3..HEAD", "--sweep", "--json"], AUDIT,
      values=("drift_rate", "commits")),
    R("audit-sweep", ["commit-audit", "--sweep", "--json"], AUDIT),
    R("audit-bad-ref", ["commit-audit", "nosuchref", "--json"], AUDIT),
    R("audit-warn-only", ["commit-audit", "--warn-only", "--json"], AUDIT),
    R("audit-docs-ok", ["commit-audit", "--docs-ok", "--json"], AUDIT),
    R("audit-job", ["--job", "commit-audit", "--json"], AUDIT),
    # ------------------------------------------------------------------ enumerate
    R("enum-generic", ["enumerate", "docs/auth-plan.md", "--json"], PLANS, values=("by_unit.1.source", "units")),
    R("enum-series", ["enumerate", "docs/auth-plan.md", "--series", "AUTH", "--json"], PLANS,
      Extra({"by_unit.AUTH1", "by_unit.AUTH2", "remaining[0]"}, DOC("**enumerate** lists units in document order"),
            "the plan dialect's '## N. PLAN PHASE —' headings are units too"),
      values=("by_unit.AUTH3.source",)),
    R("enum-text", ["enumerate", "docs/auth-plan.md"], PLANS),
    R("enum-missing-file", ["enumerate", "docs/nosuch.md", "--json"], PLANS),
    R("enum-meta-drift", ["enumerate", "docs/auth-plan.md", "--series", "AUTH", "--shipped", '["AUTH9"]', "--json"],
      PLANS,
      Extra({"by_unit.AUTH1", "by_unit.AUTH2", "remaining[0]"}, DOC("**enumerate** lists units in document order"),
            "the plan dialect's '## N. PLAN PHASE —' headings are units too"),
      values=("drift[0].kind",)),
    R("enum-bad-shipped", ["enumerate", "docs/auth-plan.md", "--shipped", "{}", "--json"], PLANS),
    R("enum-empty", ["enumerate", "p.md", "--json"], doc(EMPTY_DOC)),
    R("enum-empty-series", ["enumerate", "p.md", "--series", "AUTH", "--json"], doc(EMPTY_DOC)),
    R("enum-empty-text", ["enumerate", "p.md"], doc(EMPTY_DOC)),
    R("enum-phase-fallback", ["enumerate", "p.md", "--json"], doc(PHASES_DOC),
      values=("by_unit.Phase 1.shipped", "by_unit.Phase 1.source", "units")),
    R("enum-phase-fallback-series", ["enumerate", "p.md", "--series", "S", "--json"], doc(PHASES_DOC),
      values=("units",)),
    R("enum-unshipped-evidence", ["enumerate", "p.md", "--series", "AUTH", "--json"], doc(MIXED_DOC),
      values=("by_unit.AUTH2.evidence|empty", "units", "by_unit.AUTH1.source")),
    R("enum-other-id-stamp", ["enumerate", "p.md", "--series", "AUTH", "--json"], doc(OTHER_ID_DOC),
      values=("by_unit.AUTH2.shipped", "units")),
    R("enum-job", ["--job", "enumerate", "docs/auth-plan.md", "--json"], PLANS),
    R("enum-toml-scan-tables", ["enumerate", "docs/auth-plan.md", "--series", "AUTH", "--json"],
      with_toml("[enumerate]\nscan_tables = false\n", PLANS),
      Exit(4, 0, DOC("**enumerate** lists units in document order"),
           "the plan dialect's '## N. PLAN PHASE —' headings are units (the reference finds none: EMPTY)"),
      Missing({"drift[0]"}, DOC("**enumerate** lists units in document order"), "the doc is not empty here"),
      Extra({"by_unit.AUTH1", "by_unit.AUTH2", "remaining[0]", "shipped[0]", "units[0]"},
            DOC("**enumerate** lists units in document order"),
            "the dialect headings are units (AUTH2 remains: the AUTH3 row in its section ships AUTH3, not AUTH2)"),
      Value("units", [], ["AUTH1", "AUTH2"], DOC("**enumerate** lists units in document order"),
            "the dialect headings are units; scan_tables = false drops the AUTH3 table row"),
      values=("units",)),
    R("enum-toml-verify", ["verify", "AUTH", "AUTH1"], with_toml("[enumerate]\nscan_tables = false\n", PLANS)),
    # ------------------------------------------------------------------ pickable / cooldown / reconcile
    R("pickable-offerable", ["pickable", "AUTH1", "--json"], GIT),
    R("pickable-in-flight", ["pickable", "AUTH1", "--state", '{"in_flight": true}', "--json"], GIT),
    R("pickable-shipped-text", ["pickable", "AUTH1", "--state", '{"shipped": true}'], GIT),
    R("pickable-cooldown", ["pickable", "AUTH1", "--state", '{"cooldown_until_ms": 2000}', "--now-ms", "1000",
                            "--json"], GIT),
    R("pickable-draft", ["pickable", "AUTH1", "--state", '{"plan_class": "draft"}', "--json"], GIT),
    R("pickable-bad-state", ["pickable", "AUTH1", "--state", "[1]", "--json"], GIT),
    R("pickable-no-unit", ["pickable", "--json"], GIT),
    R("pickable-job", ["--job", "pickable", "AUTH1", "--json"], GIT),
    R("cooldown-clear", ["cooldown", "AUTH1", "--json"], GIT),
    R("cooldown-recent", ["cooldown", "AUTH1", "--attempts",
                          '[{"op": "ATTEMPT", "unit_id": "AUTH1", "outcome": "blocked", "attempted_at_ms": 1000}]',
                          "--now-ms", "2000", "--json"], GIT),
    R("cooldown-error-window", ["cooldown", "AUTH1", "--attempts",
                                '[{"op": "ATTEMPT", "unit_id": "AUTH1", "outcome": "error", '
                                '"attempted_at_ms": 1000, "ts": "2026-01-01T00:00:00Z"}]',
                                "--now-ms", "2000000", "--json"], GIT, values=("state", "until_ms")),
    R("cooldown-bad-attempts", ["cooldown", "AUTH1", "--attempts", "{}", "--json"], GIT),
    R("cooldown-journal", ["cooldown", "AUTH1", "--json"], LANES),
    R("cooldown-window-hours", ["cooldown", "AUTH1", "--json"], with_toml("[cooldown]\nwindow_hours = 1\n")),
    R("reconcile-quiet", ["reconcile", "AUTH1", "--claimed-done", "--no-oracle-shipped", "--json"], GIT),
    R("reconcile-quiet-text", ["reconcile", "AUTH1", "--claimed-done", "--no-oracle-shipped"], GIT),
    R("reconcile-verified", ["reconcile", "AUTH1", "--oracle-shipped", "--json"], GIT),
    R("reconcile-no-oracle", ["reconcile", "AUTH1", "--json"], GIT),
    R("reconcile-plan-phase", ["reconcile", "AUTH1", "--plan", "AUTH", "--phase", "AUTH1", "--json"], GIT,
      values=("state",)),
    R("reconcile-plan-open", ["reconcile", "AUTH2", "--plan", "AUTH", "--phase", "AUTH2", "--json"], GIT),
    # ------------------------------------------------------------------ plan
    R("plan-json", ["plan", "--json"], PLANS, PLAN_GLOB),
    R("plan-over-claim", ["plan", "--json"], OVER, PLAN_GLOB),
    R("plan-over-claim-text", ["plan", "--once"], OVER),
    R("plan-over-claim-check", ["plan", "--check"], OVER,
      Exit(2, 1, DOC("**`dos plan [--once|--json]`**"), "--check is new: it exits 1 on an over-claimed phase")),
    R("plan-once", ["plan", "--once"], PLANS),
    R("plan-no-docs", ["plan", "--once"], LANES),
    R("plan-job", ["--job", "plan", "--json"], PLANS, PLAN_GLOB),
    # ------------------------------------------------------------------ arbitrate
    R("arb-free", ["arbitrate", "--lane", "src", "--kind", "cluster"], LANES, BLOCKING),
    R("arb-held-autopick", ["arbitrate", "--lane", "src", "--kind", "cluster"], HELD, BLOCKING,
      values=("lane", "auto_picked")),
    R("arb-all-held", ["arbitrate", "--lane", "src", "--kind", "cluster"], ALL_HELD, BLOCKING,
      values=("outcome",)),
    R("arb-bare", ["arbitrate"], LANES, BLOCKING, values=("lane",)),
    R("arb-pretty", ["arbitrate", "--pretty"], HELD, BLOCKING),
    R("arb-leases-object", ["arbitrate", "--lane", "src", "--kind", "cluster", "--leases", "{}"], LANES),
    R("arb-leases-empty", ["arbitrate", "--lane", "src", "--kind", "cluster", "--leases", "[]"], HELD, BLOCKING,
      values=("lane",)),
    R("arb-leases-list", ["arbitrate", "--lane", "src", "--kind", "cluster", "--leases", ONE_LEASE], LANES,
      BLOCKING, values=("lane", "auto_picked")),
    R("arb-leases-bad-json", ["arbitrate", "--lane", "src", "--kind", "cluster", "--leases", "not json"], LANES),
    R("arb-tree-repeated", ["arbitrate", "--lane", "x", "--kind", "cluster", "--tree", "a/**", "--tree", "b/**"],
      LANES, BLOCKING,
      Value("tree", ["b/**"], ["a/**", "b/**"], DOC("**List flags accumulate:**"),
            "repeated --tree accumulates; the reference kept only the last"),
      values=("tree",)),
    R("arb-tree-repeated-unknown", ["arbitrate", "--lane", "x", "--tree", "a/**", "--tree", "b/**"], LANES, BLOCKING),
    R("arb-tree-repeated-held", ["arbitrate", "--lane", "x", "--kind", "cluster", "--tree", "src/**", "--tree",
                                 "b/**"], HELD, BLOCKING,
      Exit(0, 1, DOC("**List flags accumulate:**"), "repeated --tree accumulates; the reference kept only the last "
           "--tree (here b/**) and falsely admitted against the live src lease"),
      Missing({"tree[0]"}, DOC("**List flags accumulate:**"), "a refusal has no tree"),
      Extra({"free_clusters[0]"}, DOC("**List flags accumulate:**"), "the refusal lists free lanes"),
      Value("outcome", "acquire", "refuse", DOC("**List flags accumulate:**"),
            "repeated --tree accumulates (the reference kept the last)"),
      values=("outcome",)),
    R("arb-tree-nargs", ["arbitrate", "--lane", "x", "--tree", "a/**", "b/**"], LANES, BLOCKING),
    R("arb-explain", ["arbitrate", "--lane", "src", "--kind", "cluster", "--explain"], LANES,
      Json(False, True, DOC("`arbitrate --explain` writes its"), "--explain's GO/STOP line goes to stderr, so stdout is pure JSON")),
    R("arb-force-held", ["arbitrate", "--lane", "src", "--kind", "cluster", "--force"], HELD,
      Exit(0, 1, DOC("**`--force` skips the policy predicates"), "--force never stacks a second holder"),
      BLOCKING, Missing({"tree[0]"}, DOC("**`--force` skips the policy predicates"), "a refusal has no tree"),
      Extra({"free_clusters[0]"}, DOC("**`--force` skips the policy predicates"),
            "the refusal lists the free lanes")),
    R("arb-global-refused", ["arbitrate", "--lane", "global", "--kind", "global"], HELD, BLOCKING),
    R("arb-class-budget", ["arbitrate", "--class-budget", "cluster=1"], LANES,
      Exit(0, 2, DOC("Not implemented on the lane verbs:"), "--class-budget was inert in the reference")),
    R("arb-output-json", ["arbitrate", "--output", "json"], LANES,
      Exit(0, 2, DOC("Not implemented on the lane verbs:"), "no --output renderers; arbitrate always prints JSON")),
    R("arb-kindless-free", ["arbitrate", "--lane", "src"], LANES, BLOCKING,
      Value("lane", "api", "src", REF("lanes.md §12.21"), "a kindless free known lane is granted, not auto-picked"),
      Value("auto_picked", True, False, REF("lanes.md §12.21"), "a kindless free known lane is granted"),
      values=("lane", "auto_picked")),
    R("arb-soft-overlap", ["arbitrate", "--lane", "x", "--kind", "cluster", "--tree", "src/a.py", "x/**", "y/**"],
      HELD, BLOCKING, Exit(0, 1, REF("lanes.md §12.1"), "a write-write overlap is never soft-admitted"),
      Extra({"free_clusters[0]"}, DOC("**Zero-tolerance overlap.**"), "the refusal lists the free lanes"),
      Missing({"tree[0]"}, DOC("**Zero-tolerance overlap.**"), "a refusal has no tree")),
    R("arb-dot-slash", ["arbitrate", "--lane", "x", "--kind", "cluster", "--tree", "./src/**"], HELD, BLOCKING,
      Exit(0, 1, REF("lanes.md §12.2"), "'./src/**' no longer false-disjoints from 'src/**'"),
      Extra({"free_clusters[0]"}, DOC("**Canonical, segment-aware trees.**"), "the refusal lists the free lanes"),
      Missing({"tree[0]"}, DOC("**Canonical, segment-aware trees.**"), "a refusal has no tree")),
    R("arb-exclusive-kindless", ["arbitrate", "--lane", "api", "--kind", "cluster"],
      Workspace(commits=BASE, toml=INFRA_TOML,
                setup=(("lease-lane", "acquire", "--lane", "infra", "--owner", "ops", "--loop-ts", LTS),)),
      BLOCKING, Exit(0, 1, REF("lanes.md §12.3"), "an exclusive lane taken kindless still runs alone"),
      Missing({"tree[0]"}, DOC("**Exclusivity comes from the lane's declaration**"), "a refusal has no tree"),
      Extra({"free_clusters[0]"}, DOC("`arbitrate --explain` writes its"),
            "a refusal by an exclusive lane lists the free cluster lanes, as the reference's refusals do")),
    R("arb-empty-tree", ["arbitrate", "--lane", "ghost", "--kind", "cluster", "--tree"], HELD, BLOCKING),
    R("arb-case-tree", ["arbitrate", "--lane", "api", "--kind", "cluster"], Workspace(commits=BASE, toml=CASE_TOML),
      BLOCKING, Value("tree", [], ["api/**"], REF("lanes.md §12.13"), "tree lookup is case-insensitive"),
      Extra({"tree[0]"}, REF("lanes.md §12.13"), "tree lookup is case-insensitive"),
      values=("tree",)),
    R("arb-job", ["--job", "arbitrate"], LANES, BLOCKING),
    # ------------------------------------------------------------------ lease-lane
    R("ll-acquire", lease("api", "agent-7"), LANES, LEASE_ADDS),
    R("ll-acquire-pretty", [*lease("api", "agent-7"), "--pretty"], LANES, LEASE_ADDS),
    R("ll-acquire-held", lease("src", "agent-7"), HELD, LEASE_ADDS, values=("lane", "auto_picked")),
    R("ll-acquire-refused", lease("src", "agent-9"), ALL_HELD,
      LEASE_ADDS,
      values=("outcome", "journaled")),
    R("ll-acquire-kindless", ["lease-lane", "acquire", "--lane", "api", "--owner", "a"], LANES, LEASE_ADDS,
      Value("auto_picked", True, False, REF("lanes.md §12.21"), "a kindless free known lane is granted"),
      values=("lane", "auto_picked")),
    R("ll-acquire-bare", ["lease-lane", "acquire", "--owner", "a"], HELD, LEASE_ADDS, values=("lane",)),
    R("ll-acquire-retries", [*lease("api", "a"), "--retries", "0", "--retry-interval", "0"], LANES, LEASE_ADDS),
    R("ll-acquire-run-id", [*lease("api", "a"), "--run-id", RID], LANES, LEASE_ADDS,
      values=("run_id",)),
    R("ll-acquire-env-run-id", lease("api", "a"),
      Workspace(commits=BASE, toml=LANES_TOML, env={"DISPATCH_RUN_ID": RID}), LEASE_ADDS, values=("run_id",)),
    R("ll-acquire-ttl", [*lease("api", "a"), "--ttl-seconds", "60"], LANES,
      Exit(2, 0, DOC("**Holder process.**"), "--ttl-seconds is new on lease-lane acquire")),
    R("ll-acquire-ttl-inf", [*lease("api", "a"), "--ttl-seconds", "inf"], LANES),
    R("ll-acquire-ttl-nan", [*lease("api", "a"), "--ttl-seconds", "nan"], LANES),
    R("ll-acquire-ttl-huge", [*lease("api", "a"), "--ttl-seconds", "1e16"], LANES),
    R("ll-acquire-pid-huge", [*lease("api", "a"), "--pid", "99999999999"], LANES),
    R("ll-acquire-pid-dead", [*lease("api", "a"), "--pid", "99999999"], LANES),
    R("ll-acquire-pid-live", [*lease("api", "a"), "--pid", "1"], LANES,
      Exit(2, 0, DOC("**Holder process.**"), "--pid is new on lease-lane acquire")),
    R("ll-acquire-ttl-toml-nan", lease("api", "a"), with_toml("[store]\nlease_ttl_s = nan\n"),
      Exit(0, 2, STRICT, "a non-finite lease_ttl_s is a one-line config error, exit 2")),
    R("ll-live-ttl-toml-nan", ["lease-lane", "live"], with_toml("[store]\nlease_ttl_s = nan\n"),
      Exit(0, 2, STRICT, "a non-finite lease_ttl_s is a one-line config error, exit 2")),
    R("ll-release", ["lease-lane", "release", "--lane", "src", "--owner", "agent-1"], HELD,
      Extra({"lease_id"}, DOC("**Identity.**"), "release reports the lease_id")),
    R("ll-release-other", ["lease-lane", "release", "--lane", "src", "--owner", "nobody"], HELD,
      Extra({"lease_id"}, DOC("**Identity.**"), "release reports the lease_id")),
    R("ll-release-empty-owner", ["lease-lane", "release", "--lane", "src", "--owner", ""], HELD,
      Exit(0, 2, REF("lanes.md §12.6"), "release --owner '' no longer releases anyone's lease")),
    R("ll-release-loop-ts", ["lease-lane", "release", "--lane", "src", "--owner", "agent-1", "--loop-ts", LTS], HELD,
      Extra({"lease_id"}, DOC("**Identity.**"), "release reports the lease_id")),
    R("ll-heartbeat", ["lease-lane", "heartbeat", "--lane", "src", "--owner", "agent-1"], HELD,
      Extra({"lease_id", "expires_ms"}, DOC("**Identity.**"), "heartbeat reports the lease and its new expiry")),
    R("ll-heartbeat-none", ["lease-lane", "heartbeat", "--lane", "api", "--owner", "agentX"], HELD,
      Extra({"lease_id", "expires_ms"}, DOC("**Identity.**"), "heartbeat reports the lease and its new expiry")),
    R("ll-heartbeat-coalesce", ["lease-lane", "heartbeat", "--lane", "src", "--owner", "agent-1",
                                "--coalesce-within-s", "60"], HELD,
      Extra({"lease_id", "expires_ms"}, DOC("**Identity.**"), "heartbeat reports the lease and its new expiry")),
    R("ll-spawn", ["lease-lane", "spawn", "--lane", "api"], HELD, SEQ),
    R("ll-spawn-full", ["lease-lane", "spawn", "--lane", "api", "--owner", "launcher", "--reason", "fill",
                        "--run-id", RID, "--loop-ts", LTS], HELD, SEQ),
    R("ll-live", ["lease-lane", "live"], HELD,
      Extra({f"[0].{k}" for k in LEASE_FIELDS}, DOC("**Identity.**"), "a lease carries its id, fence and times"),
      Types({"[0].pid": ("number", "null")}, NO_PID, NO_PID_WHY)),
    R("ll-live-empty", ["lease-lane", "live"], LANES),
    R("ll-live-pretty", ["lease-lane", "live", "--pretty"], HELD,
      Extra({f"[0].{k}" for k in LEASE_FIELDS}, DOC("**Identity.**"), "a lease carries its id, fence and times"),
      Types({"[0].pid": ("number", "null")}, NO_PID, NO_PID_WHY)),
    R("ll-live-loop-ts", ["lease-lane", "live"], HELD_NOTS,
      Extra({f"[0].{k}" for k in LEASE_FIELDS}, DOC("**Identity.**"), "a lease carries its id, fence and times"),
      Types({"[0].pid": ("number", "null")}, NO_PID, NO_PID_WHY),
      values=("[0].loop_ts|empty",)),
    R("ll-job", ["--job", "lease-lane", "live"], HELD,
      Extra({"[0]"}, DRIVER, "the reference's job driver reads its own lane journal (no lease there); " + DRIVER_WHY)),
    # ------------------------------------------------------------------ lease (archive lock)
    R("lock-acquire", ["lease", "acquire", "me"], GIT),
    R("lock-busy", ["lease", "acquire", "you", "--retries", "0", "--retry-interval", "0"], ARCHIVE_HELD),
    R("lock-reentrant", ["lease", "acquire", "me"], ARCHIVE_HELD),
    R("lock-release", ["lease", "release", "me"], ARCHIVE_HELD),
    R("lock-release-mismatch", ["lease", "release", "you"], ARCHIVE_HELD),
    R("lock-release-force", ["lease", "release", "you", "--force"], ARCHIVE_HELD),
    R("lock-release-none", ["lease", "release", "me"], GIT),
    R("lock-status-free", ["lease", "status"], GIT),
    R("lock-status-held", ["lease", "status"], ARCHIVE_HELD),
    R("lock-status-ttl", ["lease", "status", "--ttl-seconds", "1"], ARCHIVE_HELD),
    R("lock-acquire-ttl", ["lease", "acquire", "me", "--ttl-seconds", "60"], GIT),
    R("lock-acquire-ttl-inf", ["lease", "acquire", "me", "--ttl-seconds", "inf"], GIT),
    R("lock-acquire-ttl-nan", ["lease", "acquire", "me", "--ttl-seconds", "nan"], GIT),
    R("lock-acquire-ttl-huge", ["lease", "acquire", "me", "--ttl-seconds", "1e16"], GIT),
    R("lock-job", ["--job", "lease", "status"], GIT),
    # ------------------------------------------------------------------ halt
    R("halt-plain", ["halt", "--handle", "9176"], HELD, SEQ),
    R("halt-command", ["halt", "--handle", "9176", "--reason", "stuck", "--command", "kill 9176"], HELD, SEQ),
    R("halt-lane-loop-ts", ["halt", "--handle", "9", "--lane", "src"], HELD_NOTS, SEQ, values=("loop_ts|empty",)),
    R("halt-explicit-loop-ts", ["halt", "--handle", "9", "--lane", "src", "--loop-ts", "X"], HELD, SEQ),
    R("halt-resumable", ["halt", "--handle", "9", "--lane", "src", "--resumable"], HELD, SEQ, values=("suspended",)),
    R("halt-resumable-run", ["halt", "--handle", "9", "--lane", "src", "--resumable", "--run-id", RID,
                             "--resume-sha", "{sha1}"], HELD, SEQ, values=("suspended",)),
    R("halt-job", ["--job", "halt", "--handle", "1"], HELD, SEQ),
    # ------------------------------------------------------------------ journal
    R("journal-tail", ["journal", "tail"], HELD,
      Extra({"holder", "lease_id", "ts_ms", *{f"lease.{k}" for k in LEASE_FIELDS}}, DOC("**Journal verbs.**"),
            "tail adds the lease identity and millisecond times to the reference record"),
      Types({"pid": ("number", "null"), "lease.pid": ("number", "null")}, NO_PID, NO_PID_WHY),
      Types({"ttl_minutes": ("null", "number")}, NO_PID, "every lease has a TTL (default 15 min)")),
    R("journal-tail-1", ["journal", "tail", "1"], RELEASED,
      Extra({"fence", "holder", "lease_id", "ts_ms"}, DOC("**Journal verbs.**"),
            "tail adds the lease identity and millisecond times to the reference record"),
      values=("[0].op",)),
    R("journal-tail-empty", ["journal", "tail"], LANES),
    R("journal-tail-records", ["journal", "tail"], RECORDS,
      Extra({"[0].lease_id", "[0].ts_ms", "[0].run_id"}, DOC("**Journal verbs.**"),
            "tail adds the lease identity and millisecond times"),
      values=("[*].op",)),
    R("journal-replay", ["journal", "replay"], HELD,
      Extra({f"[0].{k}" for k in LEASE_FIELDS}, DOC("**Identity.**"), "a lease carries its id, fence and times"),
      Types({"[0].pid": ("number", "null")}, NO_PID, NO_PID_WHY)),
    R("journal-replay-empty", ["journal", "replay"], LANES),
    R("journal-replay-released", ["journal", "replay"], RELEASED),
    R("journal-seq", ["journal", "seq"], RELEASED),
    R("journal-seq-empty", ["journal", "seq"], LANES),
    R("journal-compact", ["journal", "compact"], RELEASED, values=("entries_before",)),
    R("journal-compact-empty", ["journal", "compact"], LANES),
    R("journal-job", ["--job", "journal", "seq"], HELD),
    # ------------------------------------------------------------------ id-alloc / run-id
    R("id-allocate", ["id-alloc", "allocate", "TICKET"], GIT, values=("id",)),
    R("id-allocate-start", ["id-alloc", "allocate", "TICKET", "--start", "5"], GIT, values=("id",)),
    R("id-allocate-next", ["id-alloc", "allocate", "TICKET"], ALLOCATED, values=("id",)),
    R("id-peek-unused", ["id-alloc", "peek", "TICKET"], GIT, values=("id",)),
    R("id-peek-used", ["id-alloc", "peek", "TICKET"], ALLOCATED, values=("id",)),
    R("id-job", ["--job", "id-alloc", "peek", "TICKET"], GIT),
    R("runid-mint", ["run-id", "mint", "build"], GIT, values=("process_id",)),
    R("runid-parent", ["run-id", "mint", "build", "--parent", RID], GIT, values=("parent_id",)),
    R("runid-root", ["run-id", "mint", "build", "--root", RID], GIT, values=("root_id",)),
    R("runid-parent-garbage", ["run-id", "mint", "build", "--parent", "garbage"], GIT, values=("parent_id",)),
    R("runid-job", ["--job", "run-id", "mint", "build"], GIT),
    # ------------------------------------------------------------------ liveness
    R("live-never-beat", ["liveness", "--run-id", RID, "--now-ms", NOW_1H, "--json"], GIT,
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id"),
      values=("verdict",)),
    R("live-spinning", ["liveness", "--run-id", RID, "--now-ms", NOW_1H, "--last-heartbeat-age-ms", "1000",
                        "--json"], GIT,
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id"),
      values=("verdict",)),
    R("live-spinning-text", ["liveness", "--run-id", RID, "--now-ms", NOW_1H, "--last-heartbeat-age-ms", "1000"],
      GIT),
    R("live-too-young", ["liveness", "--run-id", RID, "--now-ms", NOW_1M, "--json"], GIT,
      Exit(4, 0, REF("lanes.md §12.18"), "a run that has not beaten yet is too young to judge"),
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id")),
    R("live-pid-dead", ["liveness", "--run-id", RID, "--now-ms", NOW_1H, "--last-heartbeat-age-ms", "1000",
                        "--pid", "99999999", "--json"], GIT,
      Exit(4, 2, DOC("**`dos liveness --pid` takes a process id"),
           "a pid above the kernel's limit (4194304) is a usage error (the reference probed it: gone, STALLED)"),
      Value("verdict", "STALLED", "<missing>", DOC("**`dos liveness --pid` takes a process id"),
            "no verdict: a usage error"),
      values=("verdict",)),
    R("live-pid-dead-in-range", ["liveness", "--run-id", RID, "--now-ms", NOW_1H, "--last-heartbeat-age-ms", "1000",
                                 "--pid", "4194303", "--json"], GIT,
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id"),
      values=("verdict",)),
    R("live-pid-huge", ["liveness", "--run-id", RID, "--now-ms", NOW_1H, "--last-heartbeat-age-ms", "1000",
                        "--pid", "99999999999", "--json"], GIT,
      Exit(1, 2, DOC("**`dos liveness --pid` takes a process id"),
           "an out-of-range pid is a one-line usage error (the reference crashed with OverflowError)")),
    R("live-bad-run-id", ["liveness", "--run-id", "garbage", "--json"], GIT),
    R("live-start-sha", ["liveness", "--run-id", RID, "--start-sha", "{sha0}", "--now-ms", NOW_1H, "--json"], GIT,
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id"),
      values=("evidence.commits_since_start",)),
    R("live-start-sha-unknown", ["liveness", "--run-id", RID, "--start-sha", "0123456789abcdef", "--now-ms", NOW_1H,
                                 "--json"], GIT,
      Exit(4, 2, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "an unknown SHA is an error")),
    R("live-lease", ["liveness", "--run-id", RID, "--lane", "src", "--loop-ts", LTS, "--now-ms", NOW_1H, "--json"],
      HELD,
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id"),
      values=("verdict",)),
    R("live-job", ["--job", "liveness", "--run-id", RID, "--now-ms", NOW_1H, "--json"], GIT,
      Extra({"lease_id"}, DOC("**`dos liveness --start-sha` with an unknown SHA exits 2**"), "--json adds lease_id")),
    # ------------------------------------------------------------------ loop
    R("loop-json", ["loop", "--json"], LANES, values=("verdict", "spawn[*].lane")),
    R("loop-text", ["loop"], LANES),
    R("loop-target-3", ["loop", "--target", "3", "--json"], HELD,
      Value("spawn[*].lane", ["api", "api"], ["api", "docs"], REF("lanes.md §12.15"),
            "at most one spawn per lane, disjoint from each other"),
      values=("spawn[*].lane", "alive")),
    R("loop-target-3-text", ["loop", "--target", "3"], HELD),
    R("loop-at-target", ["loop", "--target", "1", "--json"], HELD, values=("verdict",)),
    R("loop-now", ["loop", "--now-ms", NOW_1H, "--json"], HELD, values=("verdict",)),
    R("loop-job", ["--job", "loop", "--json"], LANES),
    # ------------------------------------------------------------------ watch
    R("watch-nothing", ["watch", "--json"], LANES),
    R("watch-track", ["watch", "--track", RID, "--now-ms", NOW_1H, "--json"], LANES, WATCH_ADDS),
    R("watch-track-text", ["watch", "--track", RID, "--now-ms", NOW_1H], LANES),
    R("watch-track-advancing", ["watch", "--track", f"{RID}:{{short0}}:src", "--now-ms", NOW_1H, "--json"], LANES,
      WATCH_ADDS, values=("advancing",)),
    R("watch-track-full-spec", ["watch", "--track", f"{RID}:{{sha0}}:src:{LTS}:9176", "--now-ms", NOW_1H, "--json"],
      HELD, WATCH_ADDS, values=("watched",)),
    R("watch-track-plain-loop-ts", ["watch", "--track", f"{RID}:{{sha0}}:src:LTS1:9176", "--now-ms", NOW_1H,
                                    "--json"], HELD, WATCH_ADDS, values=("watched", "advancing")),
    R("watch-discover", ["watch", "--discover", "--now-ms", NOW_1H, "--json"], HELD_RID, WATCH_ADDS),
    R("watch-discover-no-run-id", ["watch", "--discover", "--json"], HELD),
    R("watch-bad-spec", ["watch", "--track", "bad::spec", "--json"], LANES, WATCH_ADDS),
    R("watch-budget", ["watch", "--track", RID, "--budget-ms", "1", "--now-ms", NOW_1H, "--json"], LANES, WATCH_ADDS),
    # --now-ms pins the judgement: without it the verdict depended on how long the suite had run
    # (a run that has not beaten is too young for the first spin window, then STALLED).
    R("watch-job", ["--job", "watch", "--track", RID, "--now-ms", NOW_1H, "--json"], LANES, WATCH_ADDS),
    # ------------------------------------------------------------------ hooks
    R("hook-pre-free", ["hook", "pretool"], LANES, stdin=EDIT_SRC),
    R("hook-pre-deny", ["hook", "pretool"], HELD,
      Exit(0, 2, DOC("**A deny also exits 2 with the reason on stderr**"), "a deny also exits 2 with the reason on stderr"),
      stdin=EDIT_SRC, values=("hookSpecificOutput.permissionDecision",)),
    R("hook-pre-other-lane", ["hook", "pretool"], HELD, stdin=EDIT_API),
    R("hook-pre-own-lease", ["hook", "pretool"], HELD_SESSION,
      Json(True, False, REF("lanes.md §12.10"), "the holder writes freely inside its own lease"),
      stdin=EDIT_SRC),
    R("hook-pre-read", ["hook", "pretool"], HELD,
      Json(True, False, DOC("**The holder writes freely inside its own lease**"), "reads are never warned about"),
      stdin=READ_SRC),
    R("hook-pre-bash-reader", ["hook", "pretool"], HELD,
      Json(True, False, DOC("**Shell commands are read by a real lexer**"), "a known reader (ls) is no unknown footprint"),
      stdin=BASH_LS),
    R("hook-pre-not-json", ["hook", "pretool"], HELD,
      Exit(0, 2, DOC("**The referee fails closed.**"), "a payload that is not JSON is refused (exit 2) while "
           "another session holds a lane (PAYLOAD_UNREADABLE); the reference passed it"),
      stdin="not json"),
    R("hook-pre-not-json-idle", ["hook", "pretool"], LANES, stdin="not json"),
    R("hook-pre-empty", ["hook", "pretool"], HELD, stdin=""),
    R("hook-pre-workspace-flag", ["hook", "pretool", "--workspace", "."], HELD,
      Exit(0, 2, DOC("**A deny also exits 2 with the reason on stderr**"), "a deny also exits 2 with the reason on stderr"),
      stdin=EDIT_SRC),
    R("hook-pre-handler", ["hook", "pretool", "--handler", "observe"], HELD,
      Exit(0, 2, DOC("**A deny also exits 2 with the reason on stderr**"), "a deny also exits 2"),
      stdin=EDIT_SRC),
    R("hook-pre-gemini", ["hook", "pretool", "--dialect", "gemini"], HELD,
      Json(False, True, REF("surfaces.md §15.2"), "a Gemini BeforeTool write into a held lane is denied (was passed)"),
      stdin=GEMINI_WRITE),
    R("hook-post-once", ["hook", "posttool"], LANES, stdin=POST_BASH),
    R("hook-post-repeating", ["hook", "posttool"], REPEATED, stdin=POST_BASH,
      values=("hookSpecificOutput.hookEventName",)),
    R("hook-stop-plain", ["hook", "stop"], LANES, stdin=STOP),
    R("hook-stop-plan-phase", ["hook", "stop", "--plan", "AUTH", "--phase", "AUTH2"], LANES,
      Exit(0, 2, DOC("**A deny also exits 2 with the reason on stderr**"), "a stop block also exits 2"),
      stdin=STOP, values=("decision",)),
    R("hook-stop-plan-phase-shipped", ["hook", "stop", "--plan", "AUTH", "--phase", "AUTH1"], LANES, stdin=STOP),
    R("hook-stop-json", ["hook", "stop", "--plan", "AUTH", "--phase", "AUTH1", "--json"], LANES,
      Extra({"token"}, STOP_DOC, STOP_JSON_WHY), stdin=STOP),
    R("hook-stop-json-block", ["hook", "stop", "--plan", "AUTH", "--phase", "AUTH2", "--json"], LANES,
      Extra({"checked", "token"}, STOP_DOC, STOP_JSON_WHY + "; checked is there on a block too"), stdin=STOP),
    R("hook-stop-strict", ["hook", "stop", "--strict", "--json"], LANES,
      Extra({"token"}, STOP_DOC, STOP_JSON_WHY), stdin=STOP),
    R("hook-stop-transcript", ["hook", "stop", "--transcript", "{ws}/t.jsonl"],
      Workspace(commits=BASE, toml=LANES_TOML, files={"t.jsonl": ""}), stdin=STOP),
    R("hook-marker", ["hook", "marker", "--json"], LANES,
      Json(False, True, DOC("**`dos hook marker --json` prints"), "--json prints the decision when not armed too "
           "(the reference printed nothing)"), stdin=STOP),
    R("hook-marker-loop", ["hook", "marker", "--loop", "--json"], LANES,
      Extra({"ok", "token"}, DOC("**`dos hook marker --json` prints"), "--json adds ok and the verdict's token"),
      stdin=STOP),
    R("hook-job", ["--job", "hook", "pretool"], HELD, stdin=EDIT_API),
    # ------------------------------------------------------------------ global flags
    R("global-version", ["--version"], GIT, Exit(2, 0, DOC("**`dos --version`** exists"), "--version is new")),
    R("global-no-verb", [], GIT),
    R("global-unknown-verb", ["nosuchverb"], GIT),
    R("global-driver-workshop-loop", ["--driver", "workshop", "loop", "--json"], LANES),
    R("global-driver-job-reconcile", ["--driver", "job", "reconcile", "AUTH1", "--oracle-shipped", "--json"], GIT),
    R("global-job-cooldown", ["--job", "cooldown", "AUTH1", "--json"], GIT),
    R("global-job-quickstart", ["--job", "quickstart"], GIT),
    # ------------------------------------------------------------------ dos.toml tables
    R("toml-enumerate", ["verify", "AUTH", "AUTH1"], with_toml("[enumerate]\nscan_tables = false\n")),
    R("toml-retention", ["verify", "AUTH", "AUTH1"], with_toml("[retention]\njournal_max_entries = 100\n")),
    R("toml-verify", ["verify", "AUTH", "AUTH1"], with_toml('[verify]\nnon_git_oracle = ""\n')),
    R("toml-marker", ["verify", "AUTH", "AUTH1"], with_toml("[marker]\nmax_streak = 2\n")),
    R("toml-lifecycle", ["verify", "AUTH", "AUTH1"], with_toml('[lifecycle]\nclasses = ["active", "done"]\n')),
    R("toml-tool-stream", ["verify", "AUTH", "AUTH1"], with_toml("[tool_stream]\nrepeat_n = 3\n")),
    R("toml-data-class", ["verify", "AUTH", "AUTH1"], with_toml('[data_class]\ndefault_class = "PRODUCT"\n')),
    R("toml-ci", ["verify", "AUTH", "AUTH1"], with_toml('[ci]\nprovider = "github"\n')),
    R("toml-retention-lint", ["lint", "--json"], with_toml("[retention]\nruns_keep_last = 10\n"),
      Extra({"findings[0]"}, DOC("**Every table of the reference's schema is a known table**"),
            "lint lists a set key DOS accepts but does not act on (info CONFIG_KEY_UNUSED)")),
    R("toml-marker-hook", ["hook", "pretool"], with_toml("[marker]\nmax_streak = 2\n"), stdin=EDIT_SRC),
    R("toml-ratio-max", ["arbitrate"], with_toml("[overlap]\nratio_max = 0.5\n"), BLOCKING),
    R("toml-env-unread", ["verify", "AUTH", "AUTH1"], with_toml("[env]\ntools = []\n"),
      Exit(0, 2, STRICT, "[env] (documented by the reference, never read) is an unknown table here: exit 2")),
    R("toml-typo", ["verify", "AUTH", "AUTH1"], with_toml("[lane]\nx = 1\n"),
      Exit(0, 2, STRICT, "an unknown table is an error naming it")),
    R("toml-broken", ["verify", "AUTH", "AUTH1"], lint_ws(BROKEN_TOML),
      Exit(0, 2, STRICT, "a TOML syntax error exits 2 with one line")),
    R("toml-workspace-key", ["verify", "AUTH", "AUTH1"], lint_ws('workspace = "."\n' + LANES_TOML)),
    R("toml-bom", ["lint", "--json"], lint_ws("\ufeff" + LANES_TOML)),
    R("toml-supervise", ["loop", "--json"], with_toml("[supervise]\ntarget = 2\n"), values=("target",)),
]

# =========================================================================== running

_pool: ThreadPoolExecutor | None = None
_futures: dict[str, Future[tuple[SideResult, SideResult]]] = {}
_lock = threading.Lock()


_templates: dict[str, Future[tuple[Path, list[str]]]] = {}


def template(ws: Workspace, base: Path) -> tuple[Path, list[str]]:
    """WS's files and history, built once per distinct description and shared read-only."""
    key = repr((ws.commits, ws.git, sorted(declared_files(ws).items()), ws.subdir))
    with _lock:
        fut = _templates.get(key)
        mine = fut is None
        if mine:
            fut = _templates[key] = Future()
            dest = base / f"t{len(_templates):03d}"
    if mine:
        try:
            fut.set_result((dest, build_template(ws, dest)))
        except BaseException as e:  # noqa: BLE001 - handed to every row that shares it
            fut.set_exception(e)
    return fut.result()


def run_row(row: Row, cmds, root: Path) -> tuple[SideResult, SideResult]:
    tmpl, shas = template(row.ws, root.parent / "templates")
    out = []
    for side, cmd in (("ref", cmds.ref), ("ours", cmds.ours)):
        (root / side).mkdir()
        out.append(run_side(side, cmd, row.ws, tmpl, shas, root / side, row.argv, row.stdin,
                            cmds.drop_path, row.timeout))
    return out[0], out[1]


def submit_all(rows: list[Row], cmds, base: Path) -> dict[str, Future[tuple[SideResult, SideResult]]]:
    """Start every row in a thread pool (the reference starts slowly); results by row id."""
    global _pool
    with _lock:
        if _pool is None:
            workers = int(os.environ.get("DOS_DIFF_WORKERS", "0")) or max(4, 3 * (os.cpu_count() or 2))
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="diffrow")
            for i, row in enumerate(rows):
                root = base / f"{i:03d}-{row.id}"
                root.mkdir(parents=True)
                _futures[row.id] = _pool.submit(run_row, row, cmds, root)
    return _futures


@pytest.fixture(scope="module")
def row_results(diff_cmds, tmp_path_factory, request):
    selected = {item.callspec.params["row"].id for item in request.session.items
                if getattr(item, "callspec", None) and "row" in item.callspec.params}
    futures = submit_all([r for r in ROWS if r.id in selected], diff_cmds, tmp_path_factory.mktemp("diff"))
    yield futures
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)


def _side_text(r: SideResult) -> str:
    setup = "".join(f"\n    setup {s.argv} -> {s.rc}" for s in r.setup)
    return (f"  {r.side}: exit {r.main.rc}{setup}\n    stdout: {r.main.out.strip()[:600]!r}"
            f"\n    stderr: {r.main.err.strip()[:600]!r}")


def test_table_is_well_formed() -> None:
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(ROWS) >= 150
    bullets = compat_bullets()
    bad = [f"{r.id}: {msg}" for r in ROWS for d in r.diffs for msg in [check_cat(d.cat, bullets)] if msg]
    bad += [f"{r.id}: a {d.kind} difference has no reason" for r in ROWS for d in r.diffs if not d.why.strip()]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_row(row: Row, row_results) -> None:
    ref, ours = row_results[row.id].result()
    errors = [f"{s.side}: {s.setup_error}" for s in (ref, ours) if s.setup_error]
    if not errors:
        errors = judge(row, observe(row, ref, ours))
    if errors:
        pytest.fail(f"{row.id}: dos {' '.join(row.argv)}\n" + "\n".join(f"- {e}" for e in errors)
                    + "\n" + _side_text(ref) + "\n" + _side_text(ours), pytrace=False)


# =========================================================================== report script

def _main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import install_reference, our_command  # noqa: PLC0415
    if "--bugs" in argv:
        for row in ROWS:
            for d in row.diffs:
                if d.cat.kind == "BUG_OURS":
                    print(f"{row.id}\t{d.kind}\t{d.data}\t{d.why}")
        return 0
    dos, line = install_reference()
    if dos is None:
        print(line)
        return 1
    from conftest import DiffCommands  # noqa: PLC0415
    cmds = DiffCommands(our_command(), (dos,), (str(Path(dos).parent), str(Path(sys.executable).parent)))
    bullets = compat_bullets()   # what test_table_is_well_formed checks, so the report shows it too
    for r in ROWS:
        for d in r.diffs:
            msg = check_cat(d.cat, bullets)
            if msg:
                print(f"== {r.id}: BAD CITE: {msg}")
    pats = [a for a in argv if not a.startswith("-")]
    rows = [r for r in ROWS if not pats or any(a in r.id for a in pats)]
    base = Path(tempfile.mkdtemp(prefix="dos-diff-"))
    with ThreadPoolExecutor(max_workers=max(4, 3 * (os.cpu_count() or 2))) as pool:
        futs = []
        for i, r in enumerate(rows):
            root = base / f"{i:03d}-{r.id}"
            root.mkdir()
            futs.append((r, pool.submit(run_row, r, cmds, root)))
        bad = 0
        for r, f in futs:
            ref, ours = f.result()
            obs = observe(r, ref, ours)
            errs = [f"{s.side}: {s.setup_error}" for s in (ref, ours) if s.setup_error] or judge(r, obs)
            if errs:
                bad += 1
                print(f"== {r.id}: FAIL (ref {ref.main.rc}, ours {ours.main.rc})")
                for e in errs:
                    print(f"   - {e}")
                for s in suggest(obs):
                    print(f"   + {s}")
                print("   ref err:", ref.main.err.strip()[-300:].replace("\n", " | "))
                print("   our err:", ours.main.err.strip()[-300:].replace("\n", " | "))
            elif "-v" in argv:
                print(f"== {r.id}: ok")
    print(f"{len(rows) - bad}/{len(rows)} rows ok")
    if "--slow" in argv:
        cost = sorted(((sum(run.secs for side in f.result() for run in (side.main, *side.setup)), r.id)
                       for r, f in futs), reverse=True)
        for secs, rid in cost[:10]:
            print(f"   {secs:6.2f}s  {rid}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
