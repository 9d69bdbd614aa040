"""Set or delete one nested member of a JSON / JSONC file by editing its text, not by rewriting it.

Host config files are the user's: their comments, key order, indentation and trailing commas
stay exactly as they were, and only the member DOS owns changes. The file is parsed into spans
(where each member's key and value begin and end); the edit splices text at those spans; the
result is parsed again and must hold exactly the data expected (the old data with the one
change), else nothing is written. Adding a member and removing it again gives back the
original bytes. Every problem is one ``ConfigError`` line naming the file, line and column.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dos.service.wiring_files import fail

_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


@dataclass
class Node:
    kind: str  # "object", "array" or "scalar"
    start: int
    end: int
    members: list[Member] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)


@dataclass
class Member:
    key: str
    key_start: int
    value: Node


class _Parser:
    """A JSON parser that records spans; COMMENTS allows ``//``, ``/* */`` and trailing commas."""

    def __init__(self, text: str, path: Path | str, comments: bool) -> None:
        self.text, self.path, self.comments, self.i = text, path, comments, 0

    def error(self, what: str, at: int | None = None) -> Exception:
        at = self.i if at is None else at
        line = self.text.count("\n", 0, at) + 1
        col = at - (self.text.rfind("\n", 0, at) + 1) + 1
        kind = "JSONC" if self.comments else "JSON"
        return fail(self.path, f"is not valid {kind} (line {line}, column {col}: {what})")

    def skip(self) -> None:
        t, n = self.text, len(self.text)
        while self.i < n:
            c = t[self.i]
            if c in " \t\r\n\ufeff":
                self.i += 1
            elif c == "/" and self.comments and t.startswith("//", self.i):
                j = t.find("\n", self.i)
                self.i = n if j < 0 else j
            elif c == "/" and self.comments and t.startswith("/*", self.i):
                j = t.find("*/", self.i + 2)
                if j < 0:
                    raise self.error("a /* comment is never closed")
                self.i = j + 2
            else:
                return

    def document(self) -> Node:
        self.skip()
        node = self.value()
        self.skip()
        if self.i != len(self.text):
            raise self.error("unexpected text after the top-level value")
        return node

    def value(self) -> Node:
        self.skip()
        if self.i >= len(self.text):
            raise self.error("the file ends where a value should be")
        c = self.text[self.i]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            start = self.i
            self.string()
            return Node("scalar", start, self.i)
        m = _SCALAR.match(self.text, self.i)
        if not m:
            raise self.error(f"unexpected {c!r}")
        self.i = m.end()
        return Node("scalar", m.start(), m.end())

    def string(self) -> str:
        start = self.i
        m = re.compile(r'"(?:[^"\\\n]|\\.)*"').match(self.text, self.i)
        if not m:
            raise self.error("a string is never closed")
        self.i = m.end()
        try:
            return json.loads(self.text[start:self.i])
        except ValueError:
            raise self.error("a string has a bad escape", start) from None

    def obj(self) -> Node:
        node = Node("object", self.i, -1)
        self.i += 1
        while True:
            self.skip()
            if self._peek("}"):
                break
            if self.text[self.i:self.i + 1] != '"':
                raise self.error("expected a quoted key or '}'")
            key_start = self.i
            key = self.string()
            self.skip()
            if not self._peek(":"):
                raise self.error("expected ':' after a key")
            self.i += 1
            node.members.append(Member(key, key_start, self.value()))
            self.skip()
            if self._peek(","):
                self.i += 1
                self.skip()
                if self._peek("}") and not self.comments:
                    raise self.error("a trailing comma is not allowed in JSON")
                continue
            if not self._peek("}"):
                raise self.error("expected ',' or '}'")
            break
        self.i += 1
        node.end = self.i
        return node

    def arr(self) -> Node:
        node = Node("array", self.i, -1)
        self.i += 1
        while True:
            self.skip()
            if self._peek("]"):
                break
            node.items.append(self.value())
            self.skip()
            if self._peek(","):
                self.i += 1
                self.skip()
                if self._peek("]") and not self.comments:
                    raise self.error("a trailing comma is not allowed in JSON")
                continue
            if not self._peek("]"):
                raise self.error("expected ',' or ']'")
            break
        self.i += 1
        node.end = self.i
        return node

    def _peek(self, ch: str) -> bool:
        if self.i >= len(self.text):
            raise self.error("the file ends inside an object or array")
        return self.text[self.i] == ch


def parse(text: str, path: Path | str, *, comments: bool) -> Node:
    """TEXT's top-level object, with spans (a ConfigError naming line and column if it does not parse)."""
    p = _Parser(text, path, comments)
    root = p.document()
    if root.kind != "object":
        raise fail(path, "the top level is not a JSON object")
    return root


def decode(text: str, node: Node) -> Any:
    """The Python value NODE stands for."""
    if node.kind == "object":
        return {m.key: decode(text, m.value) for m in node.members}
    if node.kind == "array":
        return [decode(text, n) for n in node.items]
    return json.loads(text[node.start:node.end])


# --------------------------------------------------------------------------- layout helpers


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _indent_of(text: str, at: int) -> str:
    line = text[_line_start(text, at):]
    return line[:len(line) - len(line.lstrip(" \t"))]


def _first_on_line(text: str, at: int) -> bool:
    return not text[_line_start(text, at):at].strip()


def _unit(text: str) -> str:
    """The file's indentation step (two spaces when it shows none)."""
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and len(stripped) < len(line) and stripped[0] == '"':
            return line[:len(line) - len(stripped)]
    return "  "


def _after_skip(text: str, at: int, comments: bool) -> int:
    p = _Parser(text, "", comments)
    p.i = at
    p.skip()
    return p.i


def _render(value: Any, base: str, unit: str) -> str:
    out = json.dumps(value, indent=unit if unit.strip(" \t") == "" else "  ", ensure_ascii=False)
    return out.replace("\n", "\n" + base)


def _member_text(key: str, value: Any, base: str, unit: str) -> str:
    return f"{json.dumps(key, ensure_ascii=False)}: {_render(value, base, unit)}"


# --------------------------------------------------------------------------- edits


def _insert(text: str, obj: Node, key: str, value: Any, comments: bool) -> str:
    """TEXT with member KEY: VALUE added at the end of OBJ (laid out like its siblings)."""
    unit = _unit(text)
    close = obj.end - 1
    last = obj.members[-1] if obj.members else None
    multiline = "\n" in text[obj.start:obj.end] or not obj.members
    if not multiline:  # {"a": 1} on one line: stay on it
        piece = json.dumps(key, ensure_ascii=False) + ": " + json.dumps(value, ensure_ascii=False)
        nxt = _after_skip(text, last.value.end, comments)
        if text[nxt] == ",":
            return text[:nxt + 1] + " " + piece + "," + text[nxt + 1:]
        return text[:last.value.end] + ", " + piece + text[last.value.end:]
    if last is not None:
        base = _indent_of(text, last.key_start) if _first_on_line(text, last.key_start) else \
            _indent_of(text, obj.start) + unit
        nxt = _after_skip(text, last.value.end, comments)
        trailing = text[nxt] == ","
    else:
        base = _indent_of(text, obj.start) + unit
        trailing = False
    member = base + _member_text(key, value, base, unit) + ("," if trailing else "")
    if _first_on_line(text, close):
        at = _line_start(text, close)
        new = text[:at] + member + "\n" + text[at:]
    else:
        new = text[:close] + "\n" + member + "\n" + _indent_of(text, obj.start) + text[close:]
    if last is not None and not trailing:
        new = new[:last.value.end] + "," + new[last.value.end:]
    return new


def _delete(text: str, obj: Node, index: int, comments: bool) -> str:
    """TEXT without OBJ's member INDEX and the comma that separated it."""
    m = obj.members[index]
    nxt = _after_skip(text, m.value.end, comments)
    following = text[nxt] == ","
    whole_line = _first_on_line(text, m.key_start)
    start = _line_start(text, m.key_start) if whole_line else m.key_start
    end = nxt + 1 if following else m.value.end
    if whole_line:
        rest = end
        while rest < len(text) and text[rest] in " \t":
            rest += 1
        if rest >= len(text) or text[rest] == "\n":
            end = min(rest + 1, len(text))
        elif not following:
            end = m.value.end
    elif following:
        while end < len(text) and text[end] == " ":
            end += 1
    else:
        while start > 0 and text[start - 1] in " \t":
            start -= 1
    new = text[:start] + text[end:]
    if not following and index > 0:  # we were last: drop the separator after the previous value
        prev = obj.members[index - 1]
        comma = _after_skip(new, prev.value.end, comments)
        if new[comma] == ",":
            new = new[:comma] + new[comma + 1:]
    return new


def _find(obj: Node, key: str) -> int:
    return next((i for i, m in enumerate(obj.members) if m.key == key), -1)


def _bare(text: str, obj: Node) -> bool:
    """OBJ holds nothing, not even a comment."""
    return not obj.members and not text[obj.start + 1:obj.end - 1].strip()


def _chain(text: str, root: Node, keys: Sequence[str], path: Path | str) -> list[Node]:
    """The objects at keys[:0], keys[:1], ... that exist (each must be an object)."""
    nodes = [root]
    for depth, k in enumerate(keys):
        i = _find(nodes[-1], k)
        if i < 0:
            break
        child = nodes[-1].members[i].value
        if child.kind != "object":
            raise fail(path, f"'{'.'.join(keys[:depth + 1])}' must be an object")
        nodes.append(child)
    return nodes


def _nest(keys: Sequence[str], value: Any) -> Any:
    for k in reversed(keys):
        value = {k: value}
    return value


def edit(text: str | None, keys: Sequence[str], value: Any, path: Path | str, *,
         comments: bool) -> tuple[str | None, bool]:
    """(new text, changed) with member KEYS set to VALUE, or deleted when VALUE is None.

    New text None means the file is left holding nothing and should go (only when it held
    nothing but DOS's member). Objects left empty by a delete are dropped unless they hold a
    comment. Raises ConfigError when the file does not parse or the edit cannot be proven.
    """
    if text is None or not text.strip():
        if value is None:
            return text, False
        return json.dumps(_nest(keys, value), indent=2, ensure_ascii=False) + "\n", True
    root = parse(text, path, comments=comments)
    before = decode(text, root)
    parents = _chain(text, root, keys[:-1], path)
    if value is None:
        if len(parents) < len(keys) or _find(parents[-1], keys[-1]) < 0:
            return text, False
        new = text
        depth = len(keys) - 1
        while True:
            node = _chain(new, parse(new, path, comments=comments), keys[:depth], path)[-1]
            new = _delete(new, node, _find(node, keys[depth]), comments)
            if depth == 0:
                break
            parent = _chain(new, parse(new, path, comments=comments), keys[:depth], path)[-1]
            if not _bare(new, parent):
                break
            depth -= 1
        expected = json.loads(json.dumps(before))
        _drop(expected, keys, depth)
        after_root = parse(new, path, comments=comments)
        if decode(new, after_root) != expected:
            raise fail(path, "could not be edited in place (the result did not check out)",
                       "remove DOS's entry by hand")
        if _bare(new, after_root) and not new[:after_root.start].strip() and not new[after_root.end:].strip():
            return None, True
        return new, True
    node = parents[-1]
    rest = list(keys[len(parents) - 1:])
    expected = json.loads(json.dumps(before))
    cursor = expected
    for k in keys[:-1]:
        cursor = cursor.setdefault(k, {})
    cursor[keys[-1]] = value
    i = _find(node, rest[0])
    if len(rest) == 1 and i >= 0:
        m = node.members[i]
        if decode(text, m.value) == value:
            return text, False
        base = _indent_of(text, m.key_start)
        new = text[:m.value.start] + _render(value, base, _unit(text)) + text[m.value.end:]
    else:
        new = _insert(text, node, rest[0], _nest(rest[1:], value), comments)
    if decode(new, parse(new, path, comments=comments)) != expected:
        raise fail(path, "could not be edited in place (the result did not check out)",
                   "add DOS's entry by hand")
    return new, True


def _drop(data: dict[str, Any], keys: Sequence[str], depth: int) -> None:
    """Delete keys[:depth+1] from DATA the way ``edit`` pruned the text."""
    node = data
    for k in keys[:depth]:
        node = node[k]
    del node[keys[depth]]
