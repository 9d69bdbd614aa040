"""DOS, the Dispatch Operating System: a referee for fleets of AI coding agents.

The public API is imported lazily so that ``import dos`` stays cheap on the hook path.
"""

from __future__ import annotations

__all__ = ["__version__", "arbitrate", "leases"]


def __getattr__(name: str):
    """``dos.__version__``, ``dos.arbitrate`` and ``dos.leases`` load on first use."""
    if name == "__version__":
        from dos._version import __version__

        return __version__
    if name == "arbitrate":
        from dos.kernel.arbiter import arbitrate

        return arbitrate
    if name == "leases":
        import importlib

        return importlib.import_module("dos.leases")
    raise AttributeError(f"module 'dos' has no attribute {name!r}")
