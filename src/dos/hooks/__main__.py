"""``dos-hook`` / ``python -m dos.hooks``: the lean hook entry point (no CLI framework)."""

from __future__ import annotations

import sys


def main() -> int:
    from dos.hooks.runner import main as run_main

    return run_main()


if __name__ == "__main__":
    sys.exit(main())
