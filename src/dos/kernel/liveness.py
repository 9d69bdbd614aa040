"""Is a run ADVANCING, SPINNING or STALLED? Evidence in, verdict out; the clock is in the evidence.

Ground truth first (commits, then lease-layer events), then heartbeats. A run's start
counts as its first beat, so a fresh run inside its first spin window is too young to
judge rather than STALLED. The process probe only ever demotes. Events are counted per
lease identity (``lease_id``), and ADOPT counts as a beat.
"""

from __future__ import annotations

from dos.kernel.lease import Event, Op
from dos.kernel.record import Choice
from dos.kernel.table import asdict, table

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

FUTURE_SKEW_MS = 1_000  # events stamped up to this far past ``now`` still count
PROGRESS_OPS = frozenset({Op.ACQUIRE, Op.RELEASE, Op.SCAVENGE, Op.RECONCILE})
BEAT_OPS = frozenset({Op.ACQUIRE, Op.HEARTBEAT, Op.ADOPT})


class Liveness(Choice, values=("ADVANCING", "SPINNING", "STALLED")):
    """The verdict (a string, as the reference prints it; no ``enum``, which costs status 5 ms of imports)."""


@table
class LivenessPolicy:
    """GRACE_MS: how long a live run may go without progress; SPIN_MS: how old a beat may be."""

    grace_ms: int = 1_800_000
    spin_ms: int = 900_000

    def __post_init__(self) -> None:
        if self.grace_ms < 0 or self.spin_ms < 0:
            raise ValueError("liveness windows must be >= 0 ms")


@table
class ProgressEvidence:
    """What a run has done since it started. ``last_heartbeat_age_ms`` None: never beat."""

    run_started_ms: int
    now_ms: int
    commits_since_start: int = 0
    journal_events_since: int = 0
    last_heartbeat_age_ms: int | None = None
    tokens_spent_since: int | None = None
    process_alive: bool | None = None

    def __post_init__(self) -> None:
        if self.commits_since_start < 0 or self.journal_events_since < 0:
            raise ValueError("progress counts must be >= 0")
        if self.last_heartbeat_age_ms is not None and self.last_heartbeat_age_ms < 0:
            raise ValueError("a heartbeat age must be >= 0 ms")

    @property
    def run_age_ms(self) -> int:
        return self.now_ms - self.run_started_ms

    def beat_age_ms(self) -> int:
        """The heartbeat age, with the run's start as its implicit first beat."""
        if self.last_heartbeat_age_ms is not None:
            return self.last_heartbeat_age_ms
        return max(0, self.run_age_ms)


@table
class LivenessVerdict:
    verdict: Liveness
    reason: str
    evidence: ProgressEvidence

    @property
    def token(self) -> str:
        return str(self.verdict)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reason": self.reason, "evidence": asdict(self.evidence)}


def classify(ev: ProgressEvidence, policy: LivenessPolicy = LivenessPolicy()) -> LivenessVerdict:
    """The liveness ladder: progress, then beat freshness, the process probe, and the grace window."""
    if ev.commits_since_start >= 1:
        return LivenessVerdict(Liveness.ADVANCING, f"{ev.commits_since_start} commit(s) since the run's "
                               f"start SHA — ground-truth state moved", ev)
    if ev.journal_events_since >= 1:
        return LivenessVerdict(Liveness.ADVANCING, f"{ev.journal_events_since} lease event(s) since the "
                               f"run started — progress at the lease layer (0 commits)", ev)
    age = ev.beat_age_ms()
    beat = (f"heartbeat {age} ms old" if ev.last_heartbeat_age_ms is not None
            else f"no heartbeat yet; the run started {age} ms ago")
    if age > policy.spin_ms:
        return LivenessVerdict(Liveness.STALLED, f"{beat} (> spin window {policy.spin_ms} ms) and no "
                               f"progress — stalled", ev)
    if ev.process_alive is False:
        return LivenessVerdict(Liveness.STALLED, f"{beat} says alive, but the OS reports the process "
                               f"gone — stalled", ev)
    if ev.run_age_ms < policy.grace_ms:
        return LivenessVerdict(Liveness.ADVANCING, f"{beat}; {max(0, ev.run_age_ms)} ms into the run "
                               f"(< grace {policy.grace_ms} ms) — too young to judge", ev)
    return LivenessVerdict(Liveness.SPINNING, f"alive ({beat} ≤ spin window {policy.spin_ms} ms) and "
                           f"{ev.run_age_ms} ms into the run (≥ grace {policy.grace_ms} ms) but 0 commits "
                           f"and 0 lane events since start — spinning", ev)


def spinning_age_ms(ev: ProgressEvidence, policy: LivenessPolicy = LivenessPolicy()) -> int:
    """How long the run has been spinning: since its grace window ended with no progress.

    Only meaningful for a SPINNING verdict (no commits or events since the start).
    """
    return max(0, ev.run_age_ms - policy.grace_ms)


@table
class LeaseActivity:
    """The lease-layer evidence for one lease: progress events after its birth, newest beat age."""

    events_since: int
    last_beat_age_ms: int | None


def lease_activity(events: Iterable[Event], lease_id: str, run_started_ms: int, now_ms: int) -> LeaseActivity:
    """Fold the log for LEASE_ID only: a re-acquired lane is a new identity with its own count."""
    if not lease_id:
        return LeaseActivity(0, None)
    count, newest, born = 0, None, False
    horizon = now_ms + FUTURE_SKEW_MS
    for ev in events:
        if ev.lease_id != lease_id or ev.ts_ms > horizon:
            continue
        if ev.op is Op.ACQUIRE and not born:
            born = True  # the grant itself is not progress
        elif ev.op in PROGRESS_OPS and ev.ts_ms > run_started_ms:
            count += 1
        if ev.op in BEAT_OPS and (newest is None or ev.ts_ms > newest):
            newest = ev.ts_ms
    return LeaseActivity(count, None if newest is None else max(0, now_ms - newest))
