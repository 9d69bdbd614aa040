"""Patch texts (apply_patch envelopes, unified diffs): is a text one, and which files it names.

Shared by the apply_patch tool, the edit tools that carry a patch and the ``apply_patch`` shell
command. It imports nothing, so the edit-tool path of the hook stays cheap.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from collections.abc import Mapping

PATCH_HEADERS = ("*** Add File:", "*** Update File:", "*** Delete File:", "*** Move to:")


def _patch_text(args: Mapping) -> str:
    for key in ("command", "patch", "input"):
        value = args.get(key)
        if isinstance(value, list):
            value = next((w for w in value if isinstance(w, str) and _looks_like_patch(w)), None)
        if isinstance(value, str) and _looks_like_patch(value):
            return value
    return ""


def _looks_like_patch(text: str) -> bool:
    return "*** Begin Patch" in text or "\n+++ " in text or text.startswith("--- ")


def _patch_paths(text: str) -> tuple[str, ...] | None:
    """Files an apply_patch (or unified diff) text names; None if it names none."""
    found: list[str] = []
    for line in text.splitlines():
        found += _patch_line_paths(line)
    return tuple(dict.fromkeys(p for p in found if p and p != "/dev/null")) or None


def _patch_line_paths(line: str) -> list[str]:
    for head in PATCH_HEADERS:
        if line.startswith(head):
            return [line[len(head):].strip()]
    if line.startswith(("+++ ", "--- ")):
        name = line[4:].split("\t", 1)[0].strip()
        return [name[2:] if name.startswith(("a/", "b/")) else name]
    for head in ("rename from ", "rename to ", "copy from ", "copy to "):
        if line.startswith(head):
            return [line[len(head):].strip()]
    return []
