"""The PostgreSQL schema a fleet meets in, derived alike by every clone of the repository."""

from __future__ import annotations

from pathlib import Path

from dos.errors import ConfigError, GitError


def fleet_schema(root: Path) -> str:
    """The PostgreSQL schema every clone of ROOT's repository derives alike: ``dos_`` and the
    first 16 hex digits of its first commit (the smallest, if history has several roots).

    A checkout's directory name differs from machine to machine, and two names would
    silently make two fleets; so where no shared fact exists (no commits, a shallow clone,
    not a git repository) this refuses and asks for ``[store] schema`` instead.
    """
    from dos import git

    fix = ('set [store] schema = "dos_<name>" in dos.toml (or DOS_STORE_SCHEMA), the same on every '
           "machine of the fleet")
    if not git.is_repo(root):
        raise ConfigError(f"PostgreSQL store: {root} is not a git repository, so no schema name is shared "
                          f"by every clone; {fix}")
    try:
        if git.run_git(root, ["rev-parse", "--is-shallow-repository"]).strip() == "true":
            raise ConfigError(f"PostgreSQL store: {root} is a shallow clone and does not know its first "
                              f"commit; fetch its full history (git fetch --unshallow) or {fix}")
        roots = git.run_git(root, ["rev-list", "--max-parents=0", "HEAD"]).split()
    except GitError:
        roots = []
    if not roots:
        raise ConfigError(f"PostgreSQL store: {root} has no commits yet, so no schema name is shared by every "
                          f"clone; commit once, or {fix}")
    return f"dos_{min(roots)[:16]}"
