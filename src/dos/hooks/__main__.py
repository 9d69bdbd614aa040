"""``dos-hook`` / ``python -m dos.hooks``: the lean hook entry point (no CLI framework)."""

from __future__ import annotations

import sys


def main() -> int:
    """Try the fast ALLOW first; anything it cannot settle runs the full hook."""
    from dos.hooks.fast import main as fast_main

    return fast_main()


if __name__ == "__main__":
    sys.exit(main())
