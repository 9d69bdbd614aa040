"""Every error DOS raises on purpose, each carrying the exit code the CLI uses.

    DosError                 exit 2   base; a contract error unless a subclass says otherwise
    ├── UsageError           exit 2   bad flags or arguments
    ├── ConfigError          exit 2   dos.toml is malformed, has an unknown key, or a wrong type
    ├── WorkspaceError       exit 2   a path escapes the workspace, or the workspace is unusable
    ├── GitError             exit 2   git is missing, or a ref does not exist
    ├── InputError           exit 2   malformed input data (JSON, JSONL, hook payload)
    └── StoreError           exit 2   the store refused an operation or is corrupt
        └── StoreUnreachable exit 69  a configured store server cannot be reached

A refusal is a verdict, not an error: verdict verbs exit with their own codes.
"""

from __future__ import annotations

from typing import ClassVar

EXIT_CONTRACT = 2
EXIT_UNAVAILABLE = 69  # sysexits EX_UNAVAILABLE: a configured server cannot be reached


class DosError(Exception):
    """Base class for every error DOS raises on purpose."""

    exit_code: ClassVar[int] = EXIT_CONTRACT


class UsageError(DosError):
    """Bad flags or arguments."""


class ConfigError(DosError):
    """dos.toml is malformed, names an unknown table or key, or has a wrong type."""


class WorkspaceError(DosError):
    """A path escapes the workspace, or the workspace cannot be used."""


class GitError(DosError):
    """git is missing, failed, or was asked for a ref that does not exist."""


class InputError(DosError):
    """Malformed input data: JSON, JSONL, or a hook payload."""


class StoreError(DosError):
    """The store refused an operation or holds data it cannot read."""


class StoreUnreachable(StoreError):
    """A configured store server cannot be reached; never falls back to a local store."""

    exit_code = EXIT_UNAVAILABLE
