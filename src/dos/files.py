"""Small state files read without surprises: only a regular file is opened, never a FIFO or device.

A FIFO planted where DOS keeps a cache or a published live set would hang every hook; a
huge file would cost every hook. Either reads as missing, and the caller falls back.
"""

from __future__ import annotations

import os
import stat

MAX_BYTES = 64 * 1024 * 1024


def read_text(path: str, limit: int = MAX_BYTES) -> str | None:
    """The text of the regular file at PATH, or None (missing, not a regular file, too big, unreadable)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(fd)


def replace_text(path: str, text: str, *, errors: str = "strict", make_dirs: bool = True) -> bool:
    """Write TEXT to PATH through a temporary file and a rename, so no reader ever sees half of it;
    False (and PATH as it was) where that failed. MAKE_DIRS creates the directory first."""
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        if make_dirs:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(tmp, "w", encoding="utf-8", errors=errors) as fh:
            fh.write(text)
        os.replace(tmp, path)
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
