"""Is a lease holder's process alive on this host? PID plus start time, so reuse does not count.

The start time is field 22 of ``/proc/<pid>/stat`` (clock ticks since boot). A lease
from another host is never judged by PID. Where ``/proc`` is missing, only a PID that
``kill(pid, 0)`` reports gone counts as dead.
"""

from __future__ import annotations

import os



def host_id() -> str:
    """This machine's identity stamped on leases: ``DISPATCH_HOST_ID``, else the hostname."""
    value = os.environ.get("DISPATCH_HOST_ID", "").strip()
    if value:
        return value
    return os.uname().nodename or "unknown"  # what socket.gethostname() reads, without importing socket


def start_time(pid: int) -> int | None:
    """The start time of process PID in clock ticks since boot, or None if unknown or gone."""
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    rest = raw[raw.rfind(b")") + 2:].split()
    try:
        return int(rest[19])
    except (IndexError, ValueError):
        return None


def _exists(pid: int) -> bool | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def is_running(pid: int) -> bool:
    """True when PID names a live process on this host (a zombie does not count)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    return _exists(pid) is not False and not is_zombie(pid)


def is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return False
    rest = raw[raw.rfind(b")") + 2:].split()
    return bool(rest) and rest[0] == b"Z"


def holder_dead(pid: int | None, pid_start: int | None, lease_host: str, this_host: str) -> bool:
    """True only when the holder ran on THIS_HOST and its process is confirmed gone.

    Gone means: no such PID, a zombie, or a PID now owned by a process with another start time.
    """
    if not pid or pid <= 0 or not lease_host or lease_host != this_host:
        return False
    exists = _exists(pid)
    if exists is False:
        return True
    if exists is None:
        return False
    if is_zombie(pid):
        return True
    if pid_start is None:
        return False
    now_start = start_time(pid)
    return now_start is not None and now_start != pid_start
