"""Enforcement inside agent hosts: neutral events, one dialect per host, installers.

Kept import-free so ``python -m dos.hooks`` loads only what a decision needs.
"""

HOSTS = ("claude-code", "codex", "cursor", "gemini", "antigravity")
_MODULES = {"claude-code": "claude_code", "codex": "codex", "cursor": "cursor", "gemini": "gemini",
            "antigravity": "antigravity"}


def dialect(host: str):
    """The dialect module for HOST (imported on first use); KeyError for an unknown host."""
    import sys

    name = f"dos.hooks.{_MODULES[host]}"
    __import__(name)  # importlib itself costs half a millisecond on every tool call
    return sys.modules[name]
