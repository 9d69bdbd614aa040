"""Enforcement inside agent hosts: neutral events, one dialect per host, installers.

Kept import-free so ``python -m dos.hooks`` loads only what a decision needs.
"""

# Every host ``--dialect`` and ``dos init --hooks`` accept; the first five were the first wired.
_MODULES = {"claude-code": "claude_code", "codex": "codex", "cursor": "cursor", "gemini": "gemini",
            "antigravity": "antigravity",
            "qwen": "qwen", "factory": "factory", "codebuddy": "codebuddy", "continue": "continue_cli",
            "devin": "devin", "qoder": "qoder", "augment": "augment", "openhands": "openhands", "goose": "goose",
            "grok": "grok", "kimi": "kimi", "copilot": "copilot", "crush": "crush", "tabnine": "tabnine",
            "vibe": "vibe", "windsurf": "windsurf", "opencode": "opencode", "kilo": "kilo", "cline": "cline",
            "hermes": "hermes",
            # aliases: the same file and dialect as the host they name
            "cursor-cli": "cursor", "copilot-cli": "copilot"}
HOSTS = tuple(_MODULES)


def dialect(host: str):
    """The dialect module for HOST (imported on first use); KeyError for an unknown host."""
    import sys

    name = f"dos.hooks.{_MODULES[host]}"
    __import__(name)  # importlib itself costs half a millisecond on every tool call
    return sys.modules[name]
