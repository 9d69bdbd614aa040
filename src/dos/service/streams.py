"""Per-session state the hooks keep under ``.dos/streams/``: the step digest run, the stop count."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def stream_path(root: str, session: str, suffix: str) -> str:
    """``.dos/streams/<session>.<suffix>``; the id is sanitised, with a hash when anything was dropped."""
    safe = "".join(c if c.isalnum() and c.isascii() or c in "-_." else "_" for c in session)[:64].strip(".") or "_"
    if safe != session:
        from dos.kernel.digest import sha256

        safe += "-" + sha256(session.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return os.path.join(root, ".dos", "streams", f"{safe}.{suffix}")


def read_json(path: str) -> dict[str, Any]:
    """A small JSON object from PATH, or {} when it is missing or unreadable."""
    from dos.kernel.jsonc import JSONError, loads

    from dos.files import read_text

    text = read_text(path)
    if text is None:
        return {}
    try:
        data = loads(text)
    except JSONError:
        return {}
    return data if isinstance(data, dict) else {}


def write_json(root: str, path: str, data: dict[str, Any]) -> str:
    """Replace PATH atomically with DATA (creating ``.dos/`` first if needed); '' or why it failed."""
    from dos.kernel.jsonc import dumps

    try:
        if not os.path.isdir(os.path.join(root, ".dos")):
            from pathlib import Path

            from dos.config import ensure_state_dir

            ensure_state_dir(Path(root))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(dumps(data))
        os.replace(tmp, path)
        return ""
    except Exception as exc:  # noqa: BLE001 - a lost counter is reported, never fatal
        return f"dos-hook: could not keep the session's stream ({exc})"
