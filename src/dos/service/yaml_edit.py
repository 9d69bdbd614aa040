"""Set or delete ``TOP.NAME`` (one entry of a top-level block mapping) in a YAML file, keeping the rest.

Goose (``extensions``) and Hermes (``mcp_servers``) keep MCP servers, and Hermes its hooks
(``hooks``), in a YAML file the user also edits. PyYAML cannot write comments back, so the entry is spliced into the text: the
lines of ``NAME:`` under the top-level ``TOP:`` block are replaced, appended or cut, and the
result must load (``yaml.safe_load``) to exactly the expected data. Only when the file's
layout defeats the splice (``TOP`` written in flow style, say) is the whole file dumped by
PyYAML, and then ``edit`` says whether comments were lost so the caller can say so.
PyYAML is imported here, lazily, only for the hosts that need it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dos.service.wiring_files import fail


def comments(text: str) -> list[str]:
    """Every ``#`` comment in TEXT, in order. A ``#`` after a space inside a quoted string counts
    too: a caller checking that none was lost then refuses rather than drops one."""
    out = []
    for line in text.splitlines():
        at = 0 if line.lstrip().startswith("#") else line.find(" #") + 1
        if line.lstrip().startswith("#") or at > 0:
            out.append(line[line.index("#", at):].strip())
    return out


def load(text: str, path: Path | str) -> dict[str, Any]:
    """TEXT as a mapping ({} when empty); a syntax error is one line naming PATH and the line."""
    import yaml

    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise fail(path, f"is not valid YAML ({where}{problem})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise fail(path, "the top level is not a YAML mapping")
    return data


def _dump(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, default_flow_style=False, sort_keys=False, allow_unicode=True)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _item(line: str) -> bool:
    """A sequence entry (``- x``): at its key's own indent it still belongs to that key (YAML allows it)."""
    s = line.lstrip(" ")
    return s == "-\n" or s.startswith("- ") or s.rstrip("\n") == "-"


def _block(lines: list[str], top: str) -> tuple[int, int] | None:
    """(header line, end line) of the top-level ``TOP:`` block, or None; end excludes trailing blanks/comments."""
    head = re.compile(rf"^{re.escape(top)}\s*:\s*(#.*)?$")
    for i, line in enumerate(lines):
        if head.match(line.rstrip("\n")):
            j = i + 1
            while j < len(lines) and (not _content(lines[j]) or _indent(lines[j]) > 0 or _item(lines[j])):
                j += 1
            while j > i + 1 and not _content(lines[j - 1]):
                j -= 1
            return i, j
    return None


def _child(lines: list[str], lo: int, hi: int, name: str) -> tuple[int, int, int] | None:
    """(start, end, indent) of ``NAME:`` among the block's lines LO..HI."""
    for i in range(lo, hi):
        line = lines[i]
        if not _content(line):
            continue
        ind = _indent(line)
        key = line.strip().split(":", 1)[0].strip().strip("'\"")
        if key == name and line.strip().split(":", 1)[0].strip() and ":" in line:
            j = i + 1
            while j < hi and (not _content(lines[j]) or _indent(lines[j]) > ind
                              or (_indent(lines[j]) == ind and _item(lines[j]))):
                j += 1
            while j > i + 1 and not _content(lines[j - 1]):
                j -= 1
            return i, j, ind
    return None


def _child_indent(lines: list[str], lo: int, hi: int) -> int:
    return next((_indent(lines[i]) for i in range(lo, hi) if _content(lines[i])), 2)


def _entry_lines(name: str, entry: Any, ind: int) -> list[str]:
    body = _dump({name: entry})
    return [(" " * ind + line if line.strip() else line) + "\n" for line in body.splitlines()]


def _splice(text: str, top: str, name: str, entry: Any) -> str | None:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    blk = _block(lines, top)
    if blk is None:
        if entry is None:
            return text
        prefix = text if not text or text.endswith("\n") else text + "\n"
        if prefix.strip():
            prefix += "\n"  # a blank line before the new block (taken out again with it)
        return prefix + "".join([f"{top}:\n", *_entry_lines(name, entry, 2)])
    head, end = blk
    found = _child(lines, head + 1, end, name)
    if entry is None:
        if found is None:
            return text
        start, stop, _ = found
        out = lines[:start] + lines[stop:]
        rest = _block(out, top)
        if rest and not any(ln.strip() for ln in out[rest[0] + 1:rest[1]]):
            at_end = not any(ln.strip() for ln in out[rest[1]:])
            cut = rest[0] - 1 if at_end and rest[0] > 0 and not out[rest[0] - 1].strip() else rest[0]
            out = out[:cut] + out[rest[1]:]
        return "".join(out)
    if found is not None:
        start, stop, ind = found
        return "".join(lines[:start] + _entry_lines(name, entry, ind) + lines[stop:])
    ind = _child_indent(lines, head + 1, end)
    return "".join(lines[:end] + _entry_lines(name, entry, ind) + lines[end:])


def edit(text: str | None, top: str, name: str, entry: Any,
         path: Path | str) -> tuple[str | None, bool, bool]:
    """(new text, changed, comments lost) with ``TOP.NAME`` set to ENTRY, or removed when ENTRY is None.

    New text None means the file would hold nothing and should be removed.
    """
    old = text or ""
    data = load(old, path)
    section = data.get(top)
    if section is not None and not isinstance(section, dict):
        raise fail(path, f"'{top}' must be a mapping")
    expected = dict(data)
    if entry is None:
        if not section or name not in section:
            return text, False, False
        rest = {k: v for k, v in section.items() if k != name}
        if rest:
            expected[top] = rest
        else:
            expected.pop(top)
    else:
        if section and section.get(name) == entry:
            return text, False, False
        expected[top] = {**(section or {}), name: entry}
    new = _splice(old, top, name, entry)
    lost = False
    try:
        ok = new is not None and load(new, path) == expected
    except Exception:  # noqa: BLE001 - a splice that does not load is just not used
        ok = False
    if not ok:
        new = _dump(expected) if expected else ""
        lost = "#" in old
    if not new.strip():
        return None, True, lost
    return new, True, lost
