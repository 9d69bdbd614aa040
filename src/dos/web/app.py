"""The dashboard as a Starlette app: pages, their fragments, the JSON API, the live stream, the operations.

Every handler reads through the service layer (``dos.service.fleet``, ``.decisions``,
``.plans``, ``.journal``) with a service context of its own thread, so the pages show
exactly what ``dos top --json`` and its siblings print. ``/api/stream`` pushes the log's
position whenever it moves (``dos.service.fleet.LogWatcher``). The two operations exist
only with ``allow_ops``; they need the token and the CSRF check (``dos.web.security``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from typing import Any, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response, \
    StreamingResponse
from starlette.routing import Route

from dos.errors import DosError
from dos.web import assets, pages
from dos.web.security import COOKIE, Guard

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "x-frame-options": "DENY", "cache-control": "no-store"}
MAX_BODY = 4096
KEEPALIVE_S = 15.0


class Hub:
    """The latest log position and the queues of the connected streams (one slot each: the newest wins)."""

    def __init__(self) -> None:
        self.position: tuple[int, int, int] = (0, 0, 0)
        self._subs: set[asyncio.Queue[tuple[int, int, int]]] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def publish(self, pos: tuple[int, int, int]) -> None:
        if pos == self.position:
            return
        self.position = pos
        for q in list(self._subs):
            while not q.empty():
                q.get_nowait()
            q.put_nowait(pos)

    def publish_threadsafe(self, pos: tuple[int, int, int]) -> None:
        if self.loop is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.publish, pos)

    def subscribe(self) -> asyncio.Queue[tuple[int, int, int]]:
        q: asyncio.Queue[tuple[int, int, int]] = asyncio.Queue(maxsize=1)
        self._subs.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue[tuple[int, int, int]]) -> None:
        self._subs.discard(q)

    @property
    def clients(self) -> int:
        return len(self._subs)


class Contexts:
    """One service context per worker thread (a store connection is not shared across threads)."""

    def __init__(self, opener: Callable[[], Any]) -> None:
        self.opener = opener
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> Any:
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            ctx = self.opener()
            self._local.ctx = ctx
            with self._lock:
                self._all.append(ctx)
        return ctx

    def close(self) -> None:
        with self._lock:
            for ctx in self._all:
                with contextlib.suppress(Exception):
                    ctx.close()
            self._all.clear()


def _metrics_function() -> Callable[[Any], str] | None:
    """The Prometheus text exporter of ``dos.service.export``, when that module provides one."""
    try:
        from dos.service import export  # type: ignore[attr-defined]
    except ImportError:
        return None
    for name in ("prometheus_text", "prometheus", "metrics_text", "render_prometheus"):
        fn = getattr(export, name, None)
        if callable(fn):
            return fn
    return None


def create_app(opener: Callable[[], Any], *, token: str = "", host: str = "127.0.0.1", allow_ops: bool = False,
               poll_s: float = 0.1) -> Starlette:
    """The dashboard over the workspace whose service contexts OPENER makes."""
    from dos.service import decisions as sd
    from dos.service import fleet, journal
    from dos.service.fleet import LogWatcher

    guard = Guard(token, host=host, allow_ops=allow_ops)
    ctxs = Contexts(opener)
    hub = Hub()
    state: dict[str, Any] = {}

    def ctx() -> Any:
        return ctxs.get()

    memo: dict[str, tuple[Any, Any]] = {}
    memo_lock = threading.Lock()

    def fresh(name: str, compute: Callable[[Any], Any]) -> Any:
        """COMPUTE(ctx), reused while the log has not moved and the clock is in the same second.

        Every client reloads on every change; this makes that one snapshot per change and second,
        not one per client. What is served is never more than a second older than the log.
        """
        c = ctx()
        key = (fleet.log_position(c), c.now_ms() // 1000)
        with memo_lock:
            hit = memo.get(name)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = compute(c)
        with memo_lock:
            memo[name] = (key, value)
        return value

    def own_origins(request: Request) -> set[str]:
        h = request.headers.get("host", "")
        return {f"http://{h}", f"https://{h}"}

    # ------------------------------------------------------------------ pages

    def render(request: Request, path: str, title: str, fragment: str) -> Response:
        if request.headers.get("x-dos-fragment"):
            return HTMLResponse(fragment)
        return HTMLResponse(pages.page(title, fragment, csrf=guard.csrf_token() if allow_ops else "",
                                       ops=allow_ops, path=path))

    def fleet_page(request: Request) -> Response:
        html = fresh("fleet.html", lambda c: pages.fleet(fresh("top", fleet.snapshot), ops=allow_ops))
        return render(request, "/", "fleet", html)

    def decisions_page(request: Request) -> Response:
        c = ctx()
        include_all = request.query_params.get("all", "") not in ("", "0")
        items = sd.queue_json(c, include_all=include_all)
        return render(request, "/decisions", "decisions",
                      pages.decisions(items, include_all=include_all, now_ms=c.now_ms()))

    def plan_page(request: Request) -> Response:
        c = ctx()
        return render(request, "/plan", "plan", pages.plan(sd.plan_board(c), c.now_ms()))

    def journal_filters(request: Request) -> dict[str, Any]:
        q = request.query_params
        out: dict[str, Any] = {k: q.get(k, "").strip() for k in pages.JOURNAL_FILTERS}
        out["since_seq"] = _int(q.get("since_seq"), 0, "since_seq")
        out["limit"] = min(_int(q.get("limit"), 200, "limit"), 5000)
        return out

    def journal_page(request: Request) -> Response:
        c = ctx()
        f = journal_filters(request)
        records = journal.query(c, **f, newest=not f["since_seq"])
        shown = {k: str(v) for k, v in f.items() if v not in ("", 0)}
        return render(request, "/journal", "journal", pages.journal(list(records)[::-1], shown, c.now_ms()))

    def timeline_args(request: Request) -> dict[str, str]:
        q = request.query_params
        args = {k: q.get(k, "").strip() for k in ("run_id", "lease_id", "session")}
        if not any(args.values()):
            raise _BadRequest("name the run: ?run_id=…, ?lease_id=… or ?session=…")
        return args

    def run_page(request: Request) -> Response:
        return render(request, "/run", "run", pages.timeline(fleet.timeline(ctx(), **timeline_args(request))))

    # ------------------------------------------------------------------ the API (the --json shapes)

    def api_top(request: Request) -> Response:
        return Response(fresh("top.json", lambda c: _dumps(fresh("top", fleet.snapshot))),
                        media_type="application/json")

    def api_decisions(request: Request) -> Response:
        q = request.query_params
        return _json(sd.queue_json(ctx(), include_all=q.get("all", "") not in ("", "0"),
                                   plans=q.get("plans", "1") not in ("0", "")))

    def api_plan(request: Request) -> Response:
        return _json(sd.plan_board(ctx()))

    def api_journal(request: Request) -> Response:
        newest = request.query_params.get("newest", "") not in ("", "0")
        return _json(list(journal.query(ctx(), **journal_filters(request), newest=newest)))

    def api_timeline(request: Request) -> Response:
        return _json(fleet.timeline(ctx(), **timeline_args(request)))

    def api_health(request: Request) -> Response:
        w = state.get("watcher")
        return _json({"ok": True, "position": list(hub.position), "clients": hub.clients,
                      "listening": bool(w and w.listening), "watch_error": w.error if w else "",
                      "read_only": not allow_ops})

    async def api_stream(request: Request) -> Response:
        q = hub.subscribe()

        async def events() -> AsyncIterator[str]:
            try:
                pos = hub.position
                yield _sse(pos)
                while True:
                    try:
                        pos = await asyncio.wait_for(q.get(), KEEPALIVE_S)
                    except asyncio.TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    yield _sse(pos)
            finally:
                hub.unsubscribe(q)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"x-accel-buffering": "no"})

    def metrics(request: Request) -> Response:
        fn = _metrics_function()
        if fn is None:
            return PlainTextResponse("the metrics exporter (dos.service.export) is not installed\n", 404)
        return PlainTextResponse(fn(ctx()), media_type="text/plain; version=0.0.4")

    def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "app.js":
            return Response(assets.APP_JS, media_type="text/javascript")
        if name == "style.css":
            return Response(assets.STYLE_CSS, media_type="text/css")
        return PlainTextResponse("not found\n", 404)

    # ------------------------------------------------------------------ operations (only with allow_ops)

    async def op(request: Request) -> Response:
        if not guard.csrf_ok(request.headers, own_origins(request)):
            return _json({"error": "CSRF check failed: post from this dashboard's own page"}, 403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return _json({"error": "request body too large"}, 413)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            return _json({"error": "the body is not JSON"}, 400)
        lease_id = data.get("lease_id") if isinstance(data, dict) else None
        if not isinstance(lease_id, str) or not lease_id:
            return _json({"error": "give lease_id"}, 400)
        name = request.path_params["name"]
        reason = str(data.get("reason") or "")[:500]

        def run() -> dict[str, Any]:
            c = ctx()
            if name == "halt":
                ev = sd.halt_lease(c, lease_id, reason=reason or "halt from the dashboard", operator="operator(web)")
                return {"op": "halt", "recorded": True, "seq": ev.seq, "lane": ev.lane}
            lease = sd.release_expired(c, lease_id, operator="operator(web)")
            return {"op": "release", "released": True, "lease_id": lease.lease_id, "lane": lease.lane}

        if name not in ("halt", "release"):
            return _json({"error": f"no operation {name!r}"}, 404)
        from starlette.concurrency import run_in_threadpool

        try:
            return _json(await run_in_threadpool(run))
        except DosError as exc:
            return _json({"error": str(exc)}, 409)

    routes = [
        Route("/", fleet_page), Route("/decisions", decisions_page), Route("/plan", plan_page),
        Route("/journal", journal_page), Route("/run", run_page),
        Route("/api/top", api_top), Route("/api/decisions", api_decisions), Route("/api/plan", api_plan),
        Route("/api/journal", api_journal), Route("/api/timeline", api_timeline), Route("/api/health", api_health),
        Route("/api/stream", api_stream), Route("/static/{name}", static),
        Route("/favicon.ico", lambda r: Response(status_code=204)),
    ]
    if _metrics_function() is not None:
        routes.append(Route("/metrics", metrics))
    if allow_ops:
        routes.append(Route("/api/ops/{name}", op, methods=["POST"]))

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        hub.loop = asyncio.get_running_loop()
        from starlette.concurrency import run_in_threadpool

        hub.position = await run_in_threadpool(lambda: fleet.log_position(ctx()))
        watcher = LogWatcher(opener, hub.publish_threadsafe, poll_s=poll_s)
        watcher.position = hub.position
        state["watcher"] = watcher.start()
        try:
            yield
        finally:
            watcher.stop()
            ctxs.close()

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={
        _BadRequest: lambda r, exc: _error(r, 400, str(exc)),
        DosError: lambda r, exc: _error(r, 500 if not isinstance(exc, _BadRequest) else 400, str(exc)),
        404: lambda r, exc: _error(r, 404, "no such page"),
        405: lambda r, exc: _error(r, 405, "method not allowed: this dashboard is read-only"),
    })
    app.state.hub = hub
    app.state.guard = guard
    app.state.dos = state
    return Gate(app, guard)


class _BadRequest(DosError):
    """A query the dashboard cannot answer (a missing or malformed parameter)."""


def _int(raw: str | None, default: int, name: str) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(f"{name} must be a whole number, got {raw!r}") from None
    if value < 0:
        raise _BadRequest(f"{name} must be 0 or more")
    return value


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))


def _json(obj: Any, status: int = 200) -> Response:
    return Response(_dumps(obj), status, media_type="application/json")


def _sse(pos: tuple[int, int, int]) -> str:
    return f"event: seq\ndata: {json.dumps({'seq': pos[0], 'journal_seq': pos[1], 'spool': pos[2]})}\n\n"


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/") or request.url.path == "/metrics":
        return _json({"error": message}, status)
    return HTMLResponse(pages.error_page(status, message), status)


class Gate:
    """ASGI middleware: the Host check, the token (cookie, bearer or ``?token=``), the security headers."""

    def __init__(self, app: Starlette, guard: Guard) -> None:
        self.app = app
        self.guard = guard
        self.state = app.state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not self.guard.host_ok(request.headers.get("host", "")):
            await _plain(403, "this dashboard answers only to a loopback Host header")(scope, receive, send)
            return
        presented = self.guard.presented(request.headers, request.cookies, request.query_params)
        if self.guard.required and not self.guard.authorized(presented):
            await _plain(401, "token required: open the URL dos serve printed (it carries ?token=), or send "
                              "'Authorization: Bearer TOKEN'")(scope, receive, send)
            return
        if self.guard.required and "token" in request.query_params and request.method == "GET":
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            from urllib.parse import urlencode

            target = request.url.path + ("?" + urlencode(rest) if rest else "")
            resp = RedirectResponse(target, 303)
            resp.set_cookie(COOKIE, presented, httponly=True, samesite="strict", path="/")
            await _with_headers(resp)(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _plain(status: int, text: str) -> Response:
    return _with_headers(PlainTextResponse(text + "\n", status))


def _with_headers(resp: Response) -> Response:
    for k, v in HEADERS.items():
        resp.headers[k] = v
    return resp
