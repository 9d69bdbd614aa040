"""Workspace discovery: which directory a command works in, and its ``.dos/`` state directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Mapping

from dos.kernel.table import table
from dos.errors import WorkspaceError

CONFIG_NAME = "dos.toml"
STATE_DIR = ".dos"


@table
class Workspace:
    """The resolved workspace root and how it was found."""

    root: Path
    found_by: Literal["--workspace", "DISPATCH_WORKSPACE", "dos.toml", "git", "cwd"]

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def ensure_state_dir(self) -> Path:
        """Create ``.dos/`` (with a self-ignoring .gitignore) if needed, and return it."""
        return ensure_state_dir(self.root)


def find_workspace(
    explicit: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Workspace:
    """Resolve the workspace: --workspace, DISPATCH_WORKSPACE, nearest dos.toml, git top, cwd."""
    env = os.environ if env is None else env
    here = (cwd or Path.cwd()).resolve()
    for value, how in ((explicit, "--workspace"), (env.get("DISPATCH_WORKSPACE"), "DISPATCH_WORKSPACE")):
        if value:
            root = (here / Path(value).expanduser()).resolve()
            if not root.is_dir():
                raise WorkspaceError(f"workspace {str(value)!r} ({how}) is not a directory")
            return Workspace(root, how)  # type: ignore[arg-type]
    for parent in (here, *here.parents):
        if (parent / CONFIG_NAME).is_file():
            return Workspace(parent, "dos.toml")
    for parent in (here, *here.parents):
        if (parent / ".git").exists():
            return Workspace(parent, "git")
    return Workspace(here, "cwd")


_GITIGNORE = "# DOS state for this workspace; not for version control.\n*\n"


def ensure_state_dir(root: Path) -> Path:
    """Create ``ROOT/.dos`` on first write, with a .gitignore that ignores everything in it."""
    state = root / STATE_DIR
    try:
        state.mkdir(exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"cannot create {state}: {exc.strerror}") from None
    ignore = state / ".gitignore"
    if not ignore.exists():
        tmp = state / f".gitignore.{os.getpid()}.tmp"
        tmp.write_text(_GITIGNORE, encoding="utf-8")
        os.replace(tmp, ignore)
    return state
