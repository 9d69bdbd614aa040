"""The hook's fast path: settle the common ALLOW with one read of the leases table and nothing else.

It imports only json, the C sqlite module and the footprint reader. It answers ALLOW (no
output, exit 0) only when that is certain: a read, or writes that no unexpired lease of
another session could reach (a conservative prefix test, a superset of the tree algebra's
collisions). Anything else, including any fault here, goes to the full path in ``runner``.
"""

from __future__ import annotations

import os
import sys

PRE_EVENTS = {"claude-code": ("PreToolUse",), "codex": ("PreToolUse",), "gemini": ("BeforeTool",),
              "antigravity": ("PreToolUse", "preToolUse"), "cursor": ("preToolUse",)}
GLOB = "*?[{"
SPECIAL = frozenset("/. \t\\*?[{")  # entry starts that need canonicalising first
SELF_MODIFY_ROOT = "src/dos"  # every self-modify candidate lives under it (a test pins this)


def main(argv: list[str] | None = None, stdin=None, stdout=None, stderr=None, env=None) -> int:
    """``dos-hook``: try the fast ALLOW, else run the full hook on the same input."""
    import io

    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    try:
        if stdin is None:  # a real process: bytes in, undecodable bytes replaced rather than fatal
            raw = sys.stdin.buffer.read(8 * 1024 * 1024 + 1).decode("utf-8", "replace")
        else:
            raw = stdin.read()
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        raw = ""
    try:
        done = decide_post(argv, raw, env) if "posttool" in argv else decide(argv, raw, env)
    except Exception:  # noqa: BLE001 - the full path decides (and owns the fail policy)
        done = None
    if done is not None:
        out, code, err = done
        try:
            if out:
                (sys.stdout if stdout is None else stdout).write(out)
            if err:
                (sys.stderr if stderr is None else stderr).write(err)
        except OSError:
            pass
        return code
    from dos.hooks.runner import main as full

    return full(argv, io.StringIO(raw), stdout, stderr, env)


def allows(argv: list[str], raw: str, env) -> bool:
    """True when this pretool call is certainly allowed without a look at any lease in detail."""
    return decide(argv, raw, env, deny=False) == ALLOW


ALLOW = ("", 0, "")
LEASE_COLUMNS = ("lease_id", "fence", "lane", "lane_kind", "tree", "holder", "acquired_ms", "heartbeat_ms",
                 "ttl_ms", "mode", "session", "host_id", "pid", "pid_start", "run_id", "loop_ts")


def decide(argv: list[str], raw: str, env, *, deny: bool = True):
    """The rendered answer ``(stdout, exit, stderr)`` for a pretool call, or None for 'ask the full path'.

    With DENY, a write into another session's live lease is denied here too (the kernel decides
    over the few leases near the paths), so a deny costs what an allow costs.
    """
    opts = _flags(argv)
    if opts is None or not raw or len(raw) > 1_000_000 or env.get("DOS_FENCE") or env.get("DOS_STORE_URL"):
        return None
    import json

    payload = json.loads(raw)
    host = opts["dialect"]
    if not isinstance(payload, dict) or payload.get("hook_event_name") not in PRE_EVENTS[host]:
        return None
    if "dos_fence" in payload or payload.get("tool_response") is not None:
        return None
    tool, tool_input = payload.get("tool_name"), payload.get("tool_input")
    session = opts["session"] or (host == "cursor" and _str(payload.get("conversation_id"))) \
        or _str(payload.get("session_id"))
    cwd = payload.get("cwd") or ""
    if host == "cursor" and not cwd:
        roots = payload.get("workspace_roots")
        cwd = roots[0] if isinstance(roots, list) and roots else ""
    if not isinstance(tool, str) or not tool or not isinstance(session, str) or not isinstance(cwd, str):
        return None
    if not (tool.isascii() and session.isascii() and cwd.isascii()):
        return None
    from dos.hooks.footprint import footprint

    written = footprint(tool, tool_input)
    if written == ():
        return ALLOW
    root = resolve_root(opts["workspace"], cwd, env)
    from dos.hooks.cache import load_settings

    settings = load_settings(root)
    if settings.store_url or settings.auto_acquire:
        return None
    event = {"host": host, "event_name": payload["hook_event_name"], "tool": tool, "tool_input": tool_input,
             "session": session, "cwd": cwd}
    holder = env.get("DOS_HOLDER", "").strip()
    if written is None:  # unknown footprint: the setting decides, and only while someone else holds a lease
        if settings.unknown_footprint == "allow":
            return ALLOW
        others = _live_rows(settings.store_path, session, holder)
        if not others:
            return ALLOW
        if not deny:
            return None
        from dos.hooks.fastdeny import deny_near

        return deny_near(event, None, others, holder, settings)
    paths = []
    base = cwd if os.path.isabs(cwd) else root
    for p in written:
        if p == "~" or p.startswith("~/") or not p.isascii() or any(c in p for c in GLOB):
            return None  # home-relative, non-ASCII and glob-like paths get the full tree algebra
        rel = _relative(p if os.path.isabs(p) else os.path.join(base, p), root)
        if rel is None or rel == "" or _near(rel, SELF_MODIFY_ROOT):
            return None
        paths.append(rel)
    near = _leases_near(settings.store_path, [p.casefold() for p in paths], session, holder)
    if not near:
        return ALLOW
    if not deny:
        return None
    from dos.hooks.fastdeny import deny_near

    return deny_near(event, paths, near, holder, settings)


POST_EVENTS = {"claude-code": ("PostToolUse",), "codex": ("PostToolUse",), "gemini": ("AfterTool",),
               "antigravity": ("PostToolUse", "postToolUse")}


def decide_post(argv: list[str], raw: str, env):
    """posttool: count identical steps in the session's stream; None (full path) once a warning is due."""
    opts = _flags(argv, verb="posttool")
    if opts is None or not raw or len(raw) > 1_000_000 or opts["dialect"] not in POST_EVENTS:
        return None
    import json

    payload = json.loads(raw)
    if not isinstance(payload, dict) or payload.get("hook_event_name") not in POST_EVENTS[opts["dialect"]]:
        return None
    tool, session, cwd = payload.get("tool_name"), opts["session"] or payload.get("session_id"), payload.get("cwd") or ""
    if not (isinstance(tool, str) and tool and isinstance(session, str) and session and isinstance(cwd, str)):
        return None
    if not (tool.isascii() and session.isascii() and cwd.isascii()):
        return None
    from dos.kernel.digest import REPEAT_N, next_run, step_digest

    result = payload.get("tool_response", payload.get("tool_output"))
    digest = step_digest(tool, payload.get("tool_input") if isinstance(payload.get("tool_input"), (dict, str, list))
                         else {}, result)
    root = resolve_root(opts["workspace"], cwd, env)
    path = stream_path(root, session, "stream.json")
    prev = read_json(path)
    n = prev.get("n", 0)
    run = next_run(prev.get("d"), n if isinstance(n, int) else 0, digest)
    if run >= REPEAT_N:
        return None  # a warning is due: the full path appends this step, renders and records it
    write_json(root, path, {"d": digest, "n": run, "tool": tool})
    return ALLOW


def stream_path(root: str, session: str, suffix: str) -> str:
    """``.dos/streams/<session>.<suffix>``; the id is sanitised, with a hash when anything was dropped."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in session)[:64].strip(".") or "_"
    if safe != session:
        import hashlib

        safe += "-" + hashlib.sha256(session.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return os.path.join(root, ".dos", "streams", f"{safe}.{suffix}")


def read_json(path: str) -> dict:
    """A small JSON object from PATH, or {} when it is missing or unreadable."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_json(root: str, path: str, data: dict) -> None:
    """Replace PATH atomically with DATA, creating ``.dos/`` (self-ignoring) first if needed."""
    import json

    if not os.path.isdir(os.path.join(root, ".dos")):
        from pathlib import Path

        from dos.config import ensure_state_dir

        ensure_state_dir(Path(root))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _flags(argv: list[str], verb: str = "pretool") -> dict[str, str] | None:
    opts = {"verb": "", "dialect": "claude-code", "workspace": "", "session": ""}
    names = {"--dialect": "dialect", "--workspace": "workspace", "--session-id": "session"}
    i = 0
    while i < len(argv):
        key, eq, value = argv[i].partition("=")
        if key in names:
            if not eq:
                if i + 1 >= len(argv):
                    return None
                i += 1
                value = argv[i]
            opts[names[key]] = value
        elif argv[i] == verb and not opts["verb"]:
            opts["verb"] = verb
        else:
            return None
        i += 1
    return opts if opts["verb"] and opts["dialect"] in PRE_EVENTS else None  # PRE_EVENTS names every host


def resolve_root(explicit: str, event_cwd: str, env) -> str:
    """--workspace, else the event's cwd (walked up to dos.toml or .git), else DISPATCH_WORKSPACE, else cwd."""
    if explicit:
        return os.path.realpath(explicit)
    if event_cwd and os.path.isabs(event_cwd) and os.path.isdir(event_cwd):
        return walk_up(os.path.realpath(event_cwd))
    if env.get("DISPATCH_WORKSPACE"):
        return os.path.realpath(env["DISPATCH_WORKSPACE"])
    return walk_up(os.path.realpath(os.getcwd()))


def walk_up(start: str) -> str:
    """The nearest ancestor of START holding dos.toml, else holding .git, else START."""
    for marker in ("dos.toml", ".git"):
        here = start
        while True:
            if os.path.exists(os.path.join(here, marker)):
                return here
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
    return start


def _canon(text: str) -> str | None:
    parts: list[str] = []
    for seg in text.replace("\\", "/").split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(seg)
    return "/".join(parts)


def _relative(absolute: str, root: str) -> str | None:
    a, r = _canon(absolute), _canon(root)
    if a is None or r is None:
        return None
    if a == r:
        return ""
    return a[len(r) + 1:] if a.startswith(r + "/") or r == "" else None


def _near(a: str, b: str) -> bool:
    """Could paths A and B overlap? (one is a string prefix of the other, case-folded)"""
    a, b = a.casefold(), b.casefold()
    return a.startswith(b) or b.startswith(a)


def _prefix(entry: str) -> str:
    cut = len(entry)
    for c in GLOB:
        i = entry.find(c)
        if 0 <= i < cut:
            cut = i
    head = entry[:cut]
    if head[:1] not in ("/", ".", " ") and "\\" not in head and "/." not in head and "//" not in head:
        return head.rstrip("/").casefold()  # already canonical: the common case, no splitting
    canon = _canon(head.strip())
    return "" if canon is None else canon.casefold()


SQL_SPECIAL = ("/", ".", " ", "\\", "*", "?", "[", "{")
# Unexpired leases, minus single-entry trees whose first character rules a collision out (ASCII only).
_SCAN_SQL = ("SELECT rowid, tree, holder, session FROM leases WHERE heartbeat_ms + ttl_ms > ? AND NOT ("
             "tree LIKE '[\"%' AND instr(tree, '\", \"') = 0 AND unicode(substr(tree, 3, 1)) < 128 "
             "AND substr(tree, 3, 1) NOT IN (?, ?, ?, ?, ?, ?, ?, ?) "
             "AND lower(substr(tree, 3, 1)) NOT IN ({firsts}))")


def _entries(tree: str) -> list[str]:
    """The entries of a tree stored as JSON text; the common ``["a/**", "b"]`` shape is split without a parser."""
    if tree.startswith('["') and tree.endswith('"]') and "\\" not in tree:
        return tree[2:-2].split('", "')
    import json

    return [e for e in json.loads(tree) if isinstance(e, str)]


_HELD: list = []


def _release(conn, *, keep: bool) -> None:
    """Close a read connection, or keep it open when an ENFORCE write follows: the writer is then not
    the last connection, so its close skips the WAL checkpoint (about 15 ms) and leaves it to the store."""
    if keep:
        _HELD.append(conn)
    else:
        conn.close()


def _live_rows(store_path: str, session: str, holder: str) -> list[tuple]:
    """Every unexpired lease, if one of them belongs to someone else; else []."""
    if not os.path.exists(store_path):
        return []
    import time

    import _sqlite3

    quoted = store_path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    conn = _sqlite3.connect(f"file:{quoted}?mode=ro", uri=True, timeout=5.0)
    try:
        rows = conn.execute(f"SELECT {', '.join(LEASE_COLUMNS)} FROM leases WHERE heartbeat_ms + ttl_ms > ?",
                            (time.time_ns() // 1_000_000,)).fetchall()
    finally:
        _release(conn, keep=bool(rows))
    for row in rows:
        l_holder, l_session = row[5], row[10]
        if session and l_session:
            if l_session != session:
                return rows
        elif not ((holder and l_holder == holder) or (session and l_holder == session)):
            return rows
    return []


def _leases_near(store_path: str, paths: list[str], session: str, holder: str) -> list[tuple]:
    """Unexpired leases whose trees may reach PATHS, if any of them belongs to someone else; else []."""
    if not os.path.exists(store_path):
        return []
    import time

    import _sqlite3

    quoted = store_path.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    conn = _sqlite3.connect(f"file:{quoted}?mode=ro", uri=True, timeout=5.0)
    now = time.time_ns() // 1_000_000
    try:
        firsts = {q[:1] for q in paths}
        rows = conn.execute(_SCAN_SQL.format(firsts=", ".join("?" for _ in firsts)),
                            (now, *SQL_SPECIAL, *firsts)).fetchall()
        near, foreign = [], False
        for rowid, tree, l_holder, l_session in rows:
            entries = _entries(tree)
            for entry in entries or ("",):  # no tree: an unknown region, near everything
                c = entry[:1].casefold()
                if c and c not in firsts and c not in SPECIAL:
                    continue  # a canonical entry starting elsewhere cannot share a prefix with any path
                p = _prefix(entry)
                if not p or any(q.startswith(p) or p.startswith(q) for q in paths):
                    break
            else:
                continue
            near.append(rowid)
            if session and l_session:
                foreign = foreign or l_session != session
            elif not ((holder and l_holder == holder) or (session and l_holder == session)):
                foreign = True
        if not foreign:
            return []
        marks = ", ".join("?" for _ in near)
        return conn.execute(f"SELECT {', '.join(LEASE_COLUMNS)} FROM leases WHERE rowid IN ({marks})",
                            near).fetchall()
    finally:
        _release(conn, keep=bool(near))
