"""Every error DOS raises on purpose, each carrying the exit code the CLI uses.

    DosError                 exit 2   base: a contract error unless a subclass says otherwise
    ├── UsageError           exit 2   bad flags or arguments
    ├── ConfigError          exit 2   dos.toml is malformed, has an unknown key, or a wrong type
    ├── WorkspaceError       exit 2   a path escapes the workspace, or the workspace is unusable
    ├── GitError             exit 2   git is missing, or a ref does not exist
    ├── InputError           exit 2   malformed input data (JSON, JSONL, YAML, a hook payload)
    └── StoreError           exit 2   the store refused an operation
        ├── StoreCorrupt     exit 65  the store file is not a DOS database, or its schema is not ours
        ├── StoreUnreachable exit 69  a configured store server cannot be reached
        ├── StoreReadOnly    exit 73  the store cannot be written (read-only directory, file or mount)
        ├── StoreFull        exit 74  the disk holding the store is full
        └── StoreBusy        exit 75  the write lock was not granted within the busy timeout

A refusal is a verdict, not an error: verdict verbs exit with their own codes
(``dos.exitcodes``). Engine errors (sqlite3, psycopg) are mapped into this tree at the
engine boundary, so surfaces catch ``DosError`` and nothing else.
"""

from __future__ import annotations

from dos import exitcodes


class DosError(Exception):
    """Base class for every error DOS raises on purpose."""

    exit_code = exitcodes.CONTRACT_ERROR


class UsageError(DosError):
    """Bad flags or arguments."""


class MissingExtra(DosError):
    """An optional dependency a verb needs (an extra such as ``web`` or ``tui``) is not installed."""

    exit_code = exitcodes.MISSING_EXTRA


class ConfigError(DosError):
    """dos.toml is malformed, names an unknown table or key, or has a wrong type."""


class WorkspaceError(DosError):
    """A path escapes the workspace, or the workspace cannot be used."""


class GitError(DosError):
    """git is missing, failed, or was asked for a ref that does not exist."""


class InputError(DosError):
    """Malformed input data: JSON, JSONL, YAML, or a hook payload."""


class StoreError(DosError):
    """The store refused an operation or holds data it cannot read."""


class StoreCorrupt(StoreError):
    """The store file is not a DOS database, or its schema is not ours."""

    exit_code = exitcodes.EX_DATAERR


class StoreUnreachable(StoreError):
    """A configured store server cannot be reached; never falls back to a local store."""

    exit_code = exitcodes.EX_UNAVAILABLE


class StoreReadOnly(StoreError):
    """The store cannot be written (a read-only directory, file or mount)."""

    exit_code = exitcodes.EX_CANTCREAT


class StoreFull(StoreError):
    """The disk holding the store is full."""

    exit_code = exitcodes.EX_IOERR


class StoreBusy(StoreError):
    """The write lock was not granted within the busy timeout."""

    exit_code = exitcodes.EX_TEMPFAIL


ERRORS = (DosError, UsageError, ConfigError, WorkspaceError, GitError, InputError, StoreError,
          StoreCorrupt, StoreUnreachable, StoreReadOnly, StoreFull, StoreBusy)
