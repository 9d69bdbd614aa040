"""The read-only terminal screens: plain frames (``dos.tui.plain``, always there) and the live
Textual apps (``dos.tui.app``, with the ``tui`` extra). Neither writes anything."""

from __future__ import annotations


def textual_available() -> bool:
    """Is the ``tui`` extra (Textual) installed? Checked without importing it."""
    from importlib.util import find_spec

    return find_spec("textual") is not None
