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


def _checked(old: str, new: str | None, expected: dict[str, Any],
             path: Path | str) -> tuple[str | None, bool, bool]:
    """(text, True, comments lost): NEW when it loads to exactly EXPECTED, else EXPECTED dumped by PyYAML
    (losing OLD's comments); None for a file left empty."""
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
    return _checked(old, _splice(old, top, name, entry), expected, path)


# --------------------------------------------------------------------------- a list of items that name themselves


def _seq_indent(lines: list[str]) -> int:
    """The indent the file's own block sequences use under a top-level key (2 when it has none)."""
    for i in range(1, len(lines)):
        if _content(lines[i]) and _item(lines[i]) and re.match(r"^[^\s#][^:]*:\s*(#.*)?$", lines[i - 1].rstrip("\n")):
            return _indent(lines[i])
    return 2


def _items(lines: list[str], lo: int, hi: int) -> tuple[list[tuple[int, int]], int] | None:
    """The (start, end) line spans of the block sequence in LO..HI and its indent; None when the block
    is not a plain block sequence (a mapping, a scalar on the next line, ...). An end excludes the
    blank lines and comments after an item: they stay where they are when it is replaced or cut."""
    first = next((i for i in range(lo, hi) if _content(lines[i])), None)
    if first is None:
        return [], -1
    ind = _indent(lines[first])
    spans: list[tuple[int, int]] = []
    for i in range(first, hi):
        line = lines[i]
        if not _content(line):
            continue
        at = _indent(line)
        if at == ind:
            if not _item(line):
                return None
            spans.append((i, i + 1))
        elif at > ind:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            return None
    return spans, ind


def _list_item_lines(entry: Any, ind: int) -> list[str]:
    import yaml

    # the item's own lists and maps on one line each (`args: [-m, dos.mcp, ...]`), never wrapped
    body = yaml.safe_dump([entry], default_flow_style=None, sort_keys=False, allow_unicode=True, width=1 << 16)
    return [(" " * ind + line if line.strip() else line) + "\n" for line in body.splitlines()]


def _named(item: Any, name: str) -> bool:
    return isinstance(item, dict) and item.get("name") == name


def _splice_list(text: str, top: str, name: str, entry: Any, items: list[Any]) -> str | None:
    """TEXT with the items of ``TOP`` named NAME replaced by ENTRY (the first) or cut; None when the
    layout is not one this can edit (the caller then dumps the whole file)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    mine = [i for i, it in enumerate(items) if _named(it, name)]
    blk = _block(lines, top)
    if blk is None:
        empty = re.compile(rf"^{re.escape(top)}\s*:\s*\[\s*\]\s*(#.*)?$")  # `TOP: []`, the one flow form kept
        at = next((i for i, ln in enumerate(lines) if empty.match(ln.rstrip("\n"))), None)
        if at is not None:
            if entry is None:
                return text
            tail = lines[at].rstrip("\n").split("]", 1)[1].strip()
            head = f"{top}:" + (f"  {tail}" if tail else "") + "\n"
            return "".join(lines[:at] + [head, *_list_item_lines(entry, _seq_indent(lines))] + lines[at + 1:])
        if items:
            return None  # TOP holds a value this cannot see as a block (flow style, an anchor, ...)
        if entry is None:
            return text
        prefix = "".join(lines)
        if prefix.strip():
            prefix += "\n"  # a blank line before the new block (taken out again with it)
        return prefix + f"{top}:\n" + "".join(_list_item_lines(entry, _seq_indent(lines)))
    head, end = blk
    found = _items(lines, head + 1, end)
    if found is None:
        return None
    spans, ind = found
    if len(spans) != len(items):
        return None
    if ind < 0:
        ind = _seq_indent(lines)
    out = list(lines)
    for k in reversed(mine):  # from the end, so the earlier spans still point where they did
        start, stop = spans[k]
        new = _list_item_lines(entry, ind) if entry is not None and k == mine[0] else []
        out[start:stop] = new
    if entry is not None and not mine:
        out[end:end] = _list_item_lines(entry, ind)
    if entry is None:
        rest = _block(out, top)
        if rest and not any(_content(ln) for ln in out[rest[0] + 1:rest[1]]):
            drop = [rest[0], *(i for i in range(rest[0] + 1, rest[1]) if not out[i].strip())]
            at_end = not any(ln.strip() for ln in out[rest[1]:])
            if at_end and rest[0] > 0 and not out[rest[0] - 1].strip():
                drop.append(rest[0] - 1)  # the blank line DOS put before a block it added
            note = out[rest[0]].split("#", 1)[1] if "#" in out[rest[0]] else None
            out = [("#" + note if i == rest[0] and note is not None else ln) for i, ln in enumerate(out)
                   if i not in drop or (i == rest[0] and note is not None)]  # its comment stays, alone
    return "".join(out)


def edit_list(text: str | None, top: str, name: str, entry: Any,
              path: Path | str) -> tuple[str | None, bool, bool]:
    """(new text, changed, comments lost) with the item of the top-level list ``TOP`` whose ``name``
    is NAME set to ENTRY (added at the end when there is none), or with ENTRY None cut (and ``TOP``
    with it when that leaves the list empty). The Continue CLI keeps its MCP servers so
    (``mcpServers: [{name: ..., command: ...}]``). Other items, comments and layout are kept; a
    ``TOP`` that is not a list is one line naming PATH, nothing written.

    New text None means the file would hold nothing and should be removed.
    """
    old = text or ""
    data = load(old, path)
    items = data.get(top)
    if items is not None and not isinstance(items, list):
        raise fail(path, f"'{top}' must be a list (of servers that name themselves: - name: ...)")
    items = list(items or [])
    mine = [it for it in items if _named(it, name)]
    others = [it for it in items if not _named(it, name)]
    expected = dict(data)
    if entry is None:
        if not mine:
            return text, False, False
        if others:
            expected[top] = others
        else:
            expected.pop(top)
    else:
        if len(mine) == 1 and mine[0] == entry:
            return text, False, False
        at = next((i for i, it in enumerate(items) if _named(it, name)), len(items))
        kept = [it for i, it in enumerate(items) if i < at or not _named(it, name)]
        expected[top] = [*kept[:at], entry, *kept[at:]]
    return _checked(old, _splice_list(old, top, name, entry, items), expected, path)
