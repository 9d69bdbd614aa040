"""Argument types shared by the verbs: each rejects a bad value with one line naming the flag."""

from __future__ import annotations

import argparse
import math

MAX_SECONDS = 10 * 365 * 24 * 3600  # a TTL or window longer than ten years is a typo
MAX_PID = 1 << 22  # Linux's pid_max ceiling


def seconds(text: str) -> float:
    """A positive, finite number of seconds (at most ten years)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number of seconds above 0 and at most "
                                         f"{MAX_SECONDS} (ten years)")
    return value


def non_negative_seconds(text: str) -> float:
    """A finite number of seconds, 0 or more."""
    if text.strip() in ("0", "0.0"):
        return 0.0
    return seconds(text)


def pid(text: str) -> int:
    """A process id: an integer from 1 to the system's pid ceiling."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a process id") from None
    if not 0 < value <= MAX_PID:
        raise argparse.ArgumentTypeError(f"{text!r} is not a process id (1 to {MAX_PID})")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value
