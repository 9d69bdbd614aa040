"""Edit the agent hosts' own config files (JSON, JSONC, TOML) in place, and never leave a traceback.

Shared by the hook installer and the MCP installer. JSON files keep the user's keys and
their order (``json`` re-indents them); a JSON file with comments (Gemini allows them)
is read, but rewriting it would drop the comments, so that is refused with one line.
TOML goes through ``tomlkit``, which keeps comments, blank lines and the order of
everything DOS did not touch, and handles inline tables and dotted keys
(``mcp_servers.dos = {...}``) the same as ``[mcp_servers.dos]``.

Every problem in a user's file is a ``ConfigError`` whose message is one line naming the
file and the fix. Writes are atomic (a temp file beside the target, then ``os.replace``)
and keep the file's permission bits.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence

from dos.errors import ConfigError

RERUN = "then rerun the command"


def fail(path: Path | str, problem: str, fix: str = "") -> ConfigError:
    """One line: ``PATH: PROBLEM; FIX``."""
    text = " ".join(f"{path}: {problem}".split())
    return ConfigError(f"{text}; {fix or 'fix it by hand, ' + RERUN}")


# --------------------------------------------------------------------------- writing


def write_atomic(path: Path, text: str) -> None:
    """Replace PATH with TEXT in one step; parent directories are created, the mode is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.dos.tmp")
    try:
        mode = path.stat().st_mode & 0o7777 if path.exists() else None
        tmp.write_text(text, encoding="utf-8")
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise fail(path, f"cannot be written ({exc.strerror or exc})",
                   "check its permissions, " + RERUN) from None


def read_text(path: Path) -> str | None:
    """PATH's text, or None when it does not exist."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise fail(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise fail(path, f"cannot be read ({exc.strerror or exc})", "check its permissions, " + RERUN) from None


# --------------------------------------------------------------------------- JSON


def strip_comments(text: str) -> tuple[str, bool]:
    """TEXT without ``//`` and ``/* */`` comments (strings respected), and whether it had any."""
    body, found = _scan_comments(text)
    return body, bool(found)


def comments_of(text: str) -> list[str]:
    """Every ``//`` and ``/* */`` comment in TEXT, in order (strings respected)."""
    return _scan_comments(text)[1]


def _scan_comments(text: str) -> tuple[str, list[str]]:
    out: list[str] = []
    found: list[str] = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            found.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            found.append(text[i:j])
            i = j
            out.append(" ")
        else:
            out.append(c)
            i += 1
    return "".join(out), found


class JsonFile:
    """One JSON object file: ``data`` (a dict, ``{}`` when the file is missing or empty)."""

    def __init__(self, path: Path, *, comments: bool = False) -> None:
        self.path = Path(path)
        self.text = read_text(self.path)
        self.had_comments = False
        body = self.text or ""
        if comments:
            body, self.had_comments = strip_comments(body)
            body = _drop_trailing_commas(body) if self.had_comments or "," in body else body
        if not body.strip():
            self.data: dict[str, Any] = {}
            return
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise fail(self.path, f"is not valid JSON ({_short(exc)})") from None
        if not isinstance(data, dict):
            raise fail(self.path, f"the top level is a JSON {type(data).__name__}, not an object")
        self.data = data

    @property
    def exists(self) -> bool:
        return self.text is not None

    def render(self, data: dict[str, Any]) -> str:
        return dump_json(data)

    def save(self, data: dict[str, Any]) -> None:
        """Write DATA (refused, with one line, when the file has comments this would drop)."""
        if self.had_comments:
            raise fail(self.path, "has comments, which rewriting it would drop",
                       "remove the comments (or make this change by hand), " + RERUN)
        write_atomic(self.path, dump_json(data))


def _drop_trailing_commas(text: str) -> str:
    """``[1, 2,]`` -> ``[1, 2]`` outside strings (JSONC allows the trailing comma)."""
    out: list[str] = []
    in_str = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            in_str = c != '"'
            i += 1
            continue
        if c == '"':
            in_str = True
        elif c == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "]}":
                i += 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def set_json_key(path: Path, keys: Sequence[str], value: Any, *, comments: bool = False,
                 delete_empty_file: bool = True) -> bool:
    """Set (VALUE None: delete) the nested key KEYS in the JSON object file PATH; True if it changed.

    Objects on the way are created; after a delete, objects left empty are dropped, and a file
    left holding nothing is deleted.
    """
    f = JsonFile(path, comments=comments)
    data = json.loads(json.dumps(f.data))
    node: Any = data
    trail: list[tuple[dict[str, Any], str]] = []
    for k in keys[:-1]:
        nxt = node.get(k)
        if nxt is None:
            if value is None:
                return False
            nxt = node[k] = {}
        if not isinstance(nxt, dict):
            raise fail(path, f"'{'.'.join(keys[:len(trail) + 1])}' must be an object")
        trail.append((node, k))
        node = nxt
    last = keys[-1]
    if value is None:
        if last not in node:
            return False
        del node[last]
        for parent, k in reversed(trail):
            if parent[k]:
                break
            del parent[k]
        if not data and delete_empty_file and f.exists:
            if f.had_comments:
                raise fail(path, "has comments, which deleting it would drop", "delete it by hand")
            path.unlink()
            return True
    else:
        if node.get(last) == value:
            return False
        node[last] = value
    f.save(data)
    return True


# --------------------------------------------------------------------------- TOML


def parse_toml(text: str, path: Path | str) -> Any:
    """TEXT as a tomlkit document; a syntax error is one line naming PATH."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise fail(path, f"is not valid TOML ({_short(exc)})") from None
    except Exception as exc:  # noqa: BLE001 - a parser bug must not become a traceback either
        raise fail(path, f"cannot be parsed as TOML ({type(exc).__name__}: {_short(exc)})") from None


def dump_toml(doc: Any, path: Path | str) -> str:
    """DOC as text, proven to load with ``tomllib`` before anything is written."""
    import tomllib

    import tomlkit

    try:
        text = tomlkit.dumps(doc)
        tomllib.loads(text)
    except Exception as exc:  # noqa: BLE001 - never write a file the host cannot read
        raise fail(path, f"the edited file would not be valid TOML ({_short(exc)})") from None
    return text


class TomlFile:
    """One TOML file, edited through tomlkit: ``doc`` keeps the user's comments and layout."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.text = read_text(self.path)
        self.doc = parse_toml(self.text or "", self.path)

    @property
    def exists(self) -> bool:
        return self.text is not None

    def render(self) -> str:
        return keep_tail(dump_toml(self.doc, self.path), self.text)

    def save(self) -> bool:
        """Write the document if it changed (a file left empty that did not exist is not created)."""
        text = self.render()
        if text == (self.text or ""):
            return False
        if not text.strip():
            if self.text is not None:
                self.path.unlink()
            return self.text is not None
        write_atomic(self.path, text)
        return True


def keep_tail(new: str, old: str | None) -> str:
    """NEW ending in no more newlines than OLD did (tomlkit leaves blank lines where tables were cut out)."""
    body = new.rstrip("\n")
    if not body.strip():
        return ""
    want = max(1, len(old or "\n") - len((old or "\n").rstrip("\n")))
    return body + "\n" * min(want, len(new) - len(body))


def toml_get(doc: Any, keys: Sequence[str]) -> Any:
    """The value at KEYS (dotted keys, inline tables and [tables] alike), or None."""
    node = doc
    for k in keys:
        if not hasattr(node, "get"):
            return None
        node = node.get(k)
        if node is None:
            return None
    return node


def toml_set(doc: Any, keys: Sequence[str], value: Any, path: Path | str) -> bool:
    """Set (VALUE None: delete) KEYS in DOC; True if it changed.

    A table value replaces an existing table or inline table in the same style; new
    tables are written as ``[a.b]`` tables. After a delete, tables left empty are dropped.
    """
    import tomlkit
    from tomlkit.items import InlineTable

    node = doc
    trail: list[tuple[Any, str]] = []
    for k in keys[:-1]:
        nxt = node.get(k)
        if nxt is None:
            if value is None:
                return False
            nxt = tomlkit.table(is_super_table=True)
            node[k] = nxt
            nxt = node[k]
        if not hasattr(nxt, "get") or isinstance(nxt, (str, bytes)):
            raise fail(path, f"'{'.'.join(keys[:len(trail) + 1])}' must be a table")
        trail.append((node, k))
        node = nxt
    last = keys[-1]
    current = node.get(last)
    keep = _trailing_comments(current)
    if value is None:
        if current is None:
            return False
        chain = [*trail, (node, last)]
        slots = [_index_of(_container(p), k) for p, k in chain]
        del node[last]
        pruned = 0
        for parent, k in reversed(trail):
            child = parent.get(k)
            if child is None or len(child) or _has_comments(child):
                break
            del parent[k]
            pruned += 1
        if keep:
            _rescue(doc, chain[:len(chain) - pruned], slots, keep)
        return True
    if current is not None and _plain(current) == _plain(value):
        return False
    if isinstance(value, dict):
        inline = isinstance(current, InlineTable) or isinstance(node, InlineTable)
        new = _table(value, inline=inline)
    else:
        new = value
    node[last] = new
    if keep and isinstance(value, dict) and not inline:
        _append_trivia(node[last], keep)
    return True


def _trailing_comments(item: Any) -> list[Any]:
    """The comments (and blank lines) at the end of table ITEM, which tomlkit keeps there although
    they sit above the next table in the file: taken out with ITEM they would be lost."""
    from tomlkit.items import Comment, Table, Whitespace

    if not isinstance(item, Table):
        return []
    body = item.value.body
    i = len(body)
    while i > 0 and body[i - 1][0] is None and isinstance(body[i - 1][1], (Comment, Whitespace)):
        i -= 1
    mine = [it for _, it in body[i:]]
    if i > 0 and isinstance(body[i - 1][1], Table):
        mine = _trailing_comments(body[i - 1][1]) + mine
    return mine if any(isinstance(x, Comment) for x in mine) else []


def _container(item: Any) -> Any:
    from tomlkit.items import Table

    return item.value if isinstance(item, Table) else item


def _rescue(doc: Any, chain: list[tuple[Any, str]], slots: list[int | None], items: list[Any]) -> None:
    """Put ITEMS (comments that sat above the next table) where the deleted table stood.

    CHAIN is the path of (container, key) pairs that still exist, SLOTS each key's body index
    before the delete (tomlkit leaves a placeholder there). The innermost container that
    renders no header of its own is used (a super table given a comment would print ``[a]``).
    """
    from tomlkit.items import Table, Whitespace

    while items and isinstance(items[0], Whitespace):
        items = items[1:]
    for (parent, _key), at in zip(reversed(chain), reversed(slots[:len(chain)])):
        if isinstance(parent, Table) and parent.is_super_table():
            continue
        if at is not None:
            _insert_trivia(_container(parent), at, items)
            return
    _insert_trivia(doc, len(doc.body), items)


def _index_of(container: Any, key: str) -> int | None:
    body = getattr(container, "body", None)
    if body is None:
        return None
    return next((i for i, (k, _) in enumerate(body) if k is not None and k.key == key), None)


def _insert_trivia(container: Any, at: int, items: list[Any]) -> None:
    """Put comment and whitespace ITEMS into CONTAINER at body index AT (keeping tomlkit's key map right)."""
    try:
        body, index = container.body, container._map  # noqa: SLF001 - tomlkit has no public call for this
        for k, v in list(index.items()):
            index[k] = tuple(x + len(items) if x >= at else x for x in v) if isinstance(v, tuple) else (
                v + len(items) if v >= at else v)
        for j, item in enumerate(items):
            body.insert(at + j, (None, item))
    except Exception:  # noqa: BLE001 - losing a comment beats a traceback
        pass


def _append_trivia(table: Any, items: list[Any]) -> None:
    from tomlkit.items import Whitespace

    while items and isinstance(items[0], Whitespace):
        items = items[1:]
    try:
        for item in items:
            table.value.append(None, item)  # after the table's own blank line
    except Exception:  # noqa: BLE001
        pass


def _table(value: dict[str, Any], *, inline: bool) -> Any:
    import tomlkit

    t = tomlkit.inline_table() if inline else tomlkit.table()
    for k, v in value.items():
        t[k] = _table(v, inline=True) if isinstance(v, dict) else v
    return t


def _has_comments(item: Any) -> bool:
    """True when the (empty) table ITEM still holds a comment of the user's: then it stays."""
    from tomlkit.items import Comment

    body = getattr(getattr(item, "value", None), "body", None) or []
    return any(k is None and isinstance(v, Comment) for k, v in body)


def _plain(value: Any) -> Any:
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def set_toml_key(path: Path, keys: Sequence[str], value: Any, *, delete_empty_file: bool = True) -> bool:
    """Set (VALUE None: delete) KEYS in the TOML file PATH, keeping everything else; True if it changed."""
    f = TomlFile(path)
    if not toml_set(f.doc, keys, value, path):
        return False
    text = f.render()  # trailing blank lines tidied
    if not text.strip() and delete_empty_file:
        if f.exists:
            path.unlink()
        return True
    write_atomic(path, text)
    return True


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
