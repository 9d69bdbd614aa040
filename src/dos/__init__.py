"""DOS, the Dispatch Operating System: a referee for fleets of AI coding agents.

The public API is imported lazily so that ``import dos`` stays cheap on the hook path.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
