"""``dos export``: ship verdict-journal events through exporters, resuming from a cursor per exporter.

Events go out a batch at a time (``[observe] export_batch``); after each batch an exporter
acknowledges, its cursor (``export_cursors``, keyed by exporter and target) moves to the
batch's last seq in its own store transaction, so an export that is interrupted resumes
where it stopped. Unless ``--since N`` asks for a one-off replay, the cursor is read and
persisted by default. Settings come from flags, then the environment, then ``<root>/.env``,
then ``[observe]``. ``prometheus_text`` is what the web server mounts at ``/metrics``.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from dos.errors import UsageError
from dos.service.context import Context


def dotenv(root: Any) -> dict[str, str]:
    """``<root>/.env`` as simple ``KEY=VALUE`` lines (``export`` prefixes, quotes and comments allowed)."""
    path = os.path.join(str(root), ".env")
    out: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError):
        return out
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def setting(flag: Any, names: Iterable[str], env: Mapping[str, str], dot: Mapping[str, str], config: Any = "") -> Any:
    """FLAG, else the first of NAMES set in ENV, then in .env, else CONFIG."""
    if flag not in (None, ""):
        return flag
    names = tuple(names)
    for source in (env, dot):
        for name in names:
            if source.get(name):
                return source[name]
    return config


def _headers(text: str) -> dict[str, str]:
    """``OTEL_EXPORTER_OTLP_HEADERS``: ``k=v,k2=v2`` with URL-encoded values."""
    from urllib.parse import unquote

    out = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        if eq and key.strip():
            out[key.strip()] = unquote(value.strip())
    return out


def exporter_kwargs(ctx: Context, *, path: str | None = None, host: str | None = None, port: int | None = None,
                    endpoint: str | None = None, dry_run: bool = False,
                    env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every constructor argument a built-in or plugin exporter may take, resolved once."""
    env = os.environ if env is None else env
    dot = dotenv(ctx.root)
    obs = ctx.config.observe
    root = str(ctx.root)
    given = setting(path, ("DOS_EXPORT_FILE",), env, dot, "")
    file_path = os.path.abspath(given) if given else (os.path.join(root, obs.export_file) if obs.export_file else "")
    raw_port = setting(port, ("DOS_STATSD_PORT",), env, dot, obs.statsd_port)
    try:
        port_value = int(raw_port)
    except (TypeError, ValueError):
        raise UsageError(f"statsd port {raw_port!r} is not a number; fix --port or DOS_STATSD_PORT") from None
    headers = setting(None, ("OTEL_EXPORTER_OTLP_HEADERS",), env, dot, "")
    return {
        "path": file_path,
        "prometheus_path": os.path.abspath(path) if path else os.path.join(root, obs.prometheus_file),
        "host": setting(host, ("DOS_STATSD_HOST",), env, dot, obs.statsd_host),
        "port": port_value,
        "endpoint": setting(endpoint, ("DOS_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"), env, dot,
                            obs.otlp_endpoint),
        "headers": _headers(headers) if headers else {},
        "dry_run": dry_run,
        "root": root,
    }


@dataclass
class ExportRun:
    """One exporter's part of a ``dos export``: what was pending, what shipped, where its cursor is."""

    exporter: str
    target: str = ""
    pending: int = 0
    since: int = 0
    shipped: int = 0
    cursor: int | None = None
    persist: bool = False
    ok: bool = True
    dry_run: bool = False
    detail: str = ""
    batches: int = 0
    error: str = ""  # the exporter could not be loaded or built: reported and skipped
    details: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.exporter}:{self.target}" if self.target else self.exporter

    def to_dict(self) -> dict[str, Any]:
        """The reference's ``{result{exported, detail, cursor}, exporter, shipped, since, persist}``, plus
        ``ok``, ``target``, ``batches`` and (for a plugin that failed) ``error``."""
        out = {"result": {"exported": self.shipped, "detail": self.detail,
                          "cursor": "" if self.cursor is None else str(self.cursor)},
               "exporter": self.exporter, "shipped": self.pending, "since": self.since, "persist": self.persist,
               "ok": self.ok, "target": self.target, "batches": self.batches, "dry_run": self.dry_run}
        if self.error:
            out["error"] = self.error
        return out


def split_names(values: Iterable[str] | None) -> list[str]:
    """``--to a,b --to c`` as [a, b, c] (default: null)."""
    out: list[str] = []
    for v in values or ():
        out += [x.strip() for x in str(v).split(",") if x.strip()]
    return list(dict.fromkeys(out)) or ["null"]


def exporter_names() -> list[str]:
    """Every exporter: the built-ins and each installed ``dos.exporters`` plugin."""
    from dos import exporters

    return exporters.names()


def load_exporter(name: str, kwargs: Mapping[str, Any]) -> Any:
    """The exporter NAME built with what it accepts. UsageError for an unknown name; PluginError if it is broken."""
    from dos import exporters

    try:
        target = exporters.resolve(name)
    except KeyError:
        raise UsageError(f"unknown exporter {name!r}; known: {', '.join(exporters.names())}") from None
    return exporters.build(target, kwargs, name=name)


def parse_since(text: str | None) -> int | None:
    """``--since``: None for ``auto`` (the persisted cursor), else a seq."""
    if text is None or text == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--since must be a journal seq (an integer) or 'auto', got {text!r}") from None
    if value < 0:
        raise UsageError(f"--since must be 0 or more, got {value}")
    return value


def export(ctx: Context, names: Iterable[str] | None = None, *, since: str | None = None, tail: int | None = None,
           dry_run: bool = False, batch: int | None = None, follow: bool = False,
           kwargs: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> list[ExportRun]:
    """Ship the journal's pending events through each exporter in NAMES, a batch at a time.

    SINCE: ``auto``/None resumes from (and advances) each exporter's persisted cursor; a seq
    replays after it without moving the cursor (unless FOLLOW). TAIL keeps only the last N
    events. An exporter that cannot be loaded, or that raises, is reported in its run and
    skipped; the others still ship.
    """
    from dos import exporters
    from dos.service import journal

    wanted = split_names(names)
    given = parse_since(since)
    kw = dict(kwargs) if kwargs is not None else exporter_kwargs(ctx, dry_run=dry_run, env=env)
    kw["dry_run"] = dry_run
    size = int(batch or ctx.config.observe.export_batch)
    if size <= 0:
        raise UsageError("--batch must be 1 or more")
    if tail is not None and tail < 0:
        raise UsageError("--tail must be 0 or more")
    journal.flush_quietly(ctx)
    head = journal.latest_seq(ctx)
    runs: list[ExportRun] = []
    for name in wanted:
        run = ExportRun(name, dry_run=dry_run)
        try:
            exp = load_exporter(name, {**kw, "text": prometheus_text(ctx), "path": kw.get("prometheus_path", "")}
                                if name == "prometheus" else kw)
        except exporters.PluginError as exc:
            run.ok, run.error, run.detail = False, str(exc), f"skipped: {exc}"
            runs.append(run)
            continue
        run.target = str(getattr(exp, "target", "") or "")
        run.persist = (given is None or follow) and not dry_run and getattr(exp, "persists", True)
        start = given if given is not None else (_cursor(ctx, run.key) or 0)
        if tail is not None:
            start = max(start, _tail_start(ctx, tail, head))
        run.since = start
        run.pending = _count(ctx, start)
        _ship(ctx, exp, run, start, size)
        runs.append(run)
    return runs


def _tail_start(ctx: Context, n: int, head: int) -> int:
    """The seq after which the last N journal events begin."""
    from dos.service.journal import query

    if n == 0:
        return head
    rows = query(ctx, limit=n, newest=True)
    return int(rows[0]["seq"]) - 1 if rows else head


def _count(ctx: Context, since: int) -> int:
    from dos.store import journal as js

    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            return 0
        return int(tx.execute("SELECT count(*) FROM verdicts WHERE seq > ?", (int(since),))[0][0])


def _cursor(ctx: Context, key: str) -> int | None:
    from dos.store import journal as js

    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            return None
        return js.get_cursor(tx, key)


def set_cursor(ctx: Context, key: str, seq: int) -> None:
    from dos.store import journal as js

    with ctx.store.engine.write() as tx:
        js.set_cursor(tx, key, seq, tx.now_ms())


def _ship(ctx: Context, exp: Any, run: ExportRun, start: int, size: int) -> None:
    from dos.exporters import ExportResult
    from dos.service.journal import iter_records, ref_record

    since = start
    if not run.pending:
        run.detail = f"no new events since seq {start}"
        run.cursor = start
        return
    batch: list[dict[str, Any]] = []

    def send(events: list[dict[str, Any]]) -> bool:
        if not run.dry_run:
            ctx.store.engine.settle()  # never ship an event a server crash could still take back
        try:
            result = exp.export(events)
            if not isinstance(result, ExportResult):
                result = ExportResult(int(getattr(result, "exported", 0)), str(getattr(result, "detail", "")),
                                      str(getattr(result, "cursor", "")), bool(getattr(result, "ok", True)))
        except Exception as exc:  # noqa: BLE001 - a plugin that raises is reported and skipped
            result = ExportResult(0, f"exporter '{run.exporter}' failed: {type(exc).__name__}: {exc}", "", ok=False)
        run.batches += 1
        run.details.append(result.detail)
        run.detail = result.detail
        if not result.ok:
            run.ok = False
            return False
        if run.dry_run:
            run.cursor = int(events[-1]["seq"])
            return True
        run.shipped += result.exported
        run.cursor = int(events[-1]["seq"])
        if run.persist:
            set_cursor(ctx, run.key, run.cursor)
        return True

    for rec in iter_records(ctx, since_seq=since, page=size):
        batch.append(_event(rec, ref_record))
        if len(batch) >= size:
            if not send(batch):
                return
            batch = []
    if batch:
        send(batch)
    if run.ok and run.batches > 1 and not run.dry_run:
        run.detail = f"{run.batches} batch(es): {run.details[-1]}" if run.details else run.detail
    if run.ok and run.dry_run and run.batches > 1:
        run.detail = f"{run.details[0]} (and {run.batches - 1} more batch(es))"


def _event(rec: dict[str, Any], shape: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    out = shape(rec)
    out["ts_ms"] = rec["ts_ms"]
    out["hash"] = rec["hash"]
    return out


def follow(ctx: Context, names: Iterable[str] | None = None, *, interval_s: float = 2.0, max_ticks: int = 0,
           sleep: Callable[[float], None] = time.sleep, on_tick: Callable[[list[ExportRun]], None] | None = None,
           **kw: Any) -> list[ExportRun]:
    """``--follow``: export, persist, sleep, again; MAX_TICKS rounds (0: until interrupted)."""
    tick = 0
    last: list[ExportRun] = []
    while True:
        last = export(ctx, names, follow=True, **kw)
        if on_tick is not None:
            on_tick(last)
        tick += 1
        if max_ticks and tick >= max_ticks:
            return last
        sleep(interval_s)


def cursors(ctx: Context) -> list[dict[str, Any]]:
    """Every persisted export cursor: ``{name, seq, updated}``."""
    from dos.service.journal import iso
    from dos.store import journal as js

    store = ctx.store
    with store.engine.read() as tx:
        if not js.present(tx, store.engine.name):
            return []
        return [{"name": n, "seq": s, "updated": iso(u)} for n, s, u in js.cursors(tx)]


# --------------------------------------------------------------------------- /metrics


def totals(ctx: Context) -> dict[str, Any]:
    """The journal's cumulative counts by (syscall, verdict), checkpointed rows included."""
    from dos.kernel.jsonc import JSONError, loads
    from dos.store import journal as js

    store = ctx.store
    counts: dict[tuple[str, str], int] = {}
    head = compacted = 0
    cur: list[tuple[str, int]] = []
    with store.engine.read() as tx:
        if js.present(tx, store.engine.name):
            for s, v, n in tx.execute("SELECT syscall, verdict, count(*) FROM verdicts GROUP BY syscall, verdict"):
                counts[(s, v)] = counts.get((s, v), 0) + int(n)
            for (rollup, dropped) in tx.execute("SELECT rollup, dropped FROM verdict_checkpoints"):
                compacted += int(dropped)
                try:
                    data = loads(rollup)
                except JSONError:
                    continue
                for s, tokens in (data.items() if isinstance(data, dict) else ()):
                    for v, n in (tokens.items() if isinstance(tokens, dict) else ()):
                        counts[(s, v)] = counts.get((s, v), 0) + int(n)
            head = js.last_seq(tx)
            cur = [(n, s) for n, s, _ in js.cursors(tx)]
    return {"counts": counts, "head_seq": head, "compacted": compacted, "cursors": cur}


def prometheus_text(ctx: Context) -> str:
    """The Prometheus text exposition of the journal and the lease set: what ``/metrics`` serves."""
    from dos.exporters.prometheus import render

    t = totals(ctx)
    try:
        live = len(ctx.store.live_leases())
    except Exception:  # noqa: BLE001 - metrics never fail over a gauge
        live = None
    return render(t["counts"], head_seq=t["head_seq"], live_leases=live, cursors=t["cursors"],
                  compacted=t["compacted"])
