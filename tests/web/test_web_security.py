"""Who may reach dos serve: loopback by default, a token elsewhere, writes only with --allow-ops, token and CSRF."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import httpx
import pytest

from dos.web.security import Guard, check_bind, is_loopback
from tests.conftest import dos_env
from tests.screens.kit import acquire, context, sleeper
from tests.web.kit import TOKEN


def refused(cwd, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dos", "serve", "--port", "0", *args], cwd=cwd, env=dos_env(env),
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.invalid"])
def test_a_non_loopback_bind_without_a_token_refuses_to_start(fleet_ws, host) -> None:
    r = refused(fleet_ws.path, "--host", host)
    assert r.returncode == 2 and "needs a token" in r.stderr and r.stdout == "", r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_allow_ops_needs_a_token_even_on_loopback_and_short_tokens_are_refused(fleet_ws) -> None:
    r = refused(fleet_ws.path, "--allow-ops")
    assert r.returncode == 2 and "--allow-ops needs a token" in r.stderr
    r = refused(fleet_ws.path, "--host", "0.0.0.0", "--token", "short")
    assert r.returncode == 2 and "at least 16" in r.stderr


def test_the_token_can_come_from_the_environment(fleet_ws, serve) -> None:
    s = serve(env={"DOS_WEB_TOKEN": TOKEN})
    assert httpx.get(s.url + "api/top").status_code == 401
    assert httpx.get(s.url + "api/top", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com", "localhost.example"))
    check_bind("127.0.0.1", "", allow_ops=False)


def test_token_bearer_cookie_and_redirect(fleet_ws, serve) -> None:
    s = serve("--token", TOKEN)
    assert httpx.get(s.url + "api/top").status_code == 401
    assert httpx.get(s.url + "api/top", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"}).status_code == 401
    assert httpx.get(s.url + "api/top", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    first = httpx.get(s.url + "decisions", params={"token": TOKEN, "all": "1"})
    assert first.status_code == 303 and first.headers["location"] == "/decisions?all=1"
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    with httpx.Client(base_url=s.url) as c:
        c.cookies.set("dos_token", TOKEN)
        assert c.get("/").status_code == 200 and c.get("/api/top").status_code == 200


def test_a_foreign_host_header_is_refused_on_loopback(fleet_ws, serve) -> None:
    s = serve()
    assert httpx.get(s.url + "api/top", headers={"Host": "attacker.example"}).status_code == 403
    assert httpx.get(s.url + "api/top", headers={"Host": "localhost:1"}).status_code == 200


def test_no_write_endpoint_without_allow_ops(fleet_ws, serve) -> None:
    s = serve("--token", TOKEN)
    h = {"Authorization": f"Bearer {TOKEN}"}
    for op in ("halt", "release"):
        assert httpx.post(s.url + f"api/ops/{op}", json={"lease_id": "x"}, headers=h).status_code in (404, 405)
    assert httpx.post(s.url + "api/top", headers=h).status_code == 405


def csrf_of(s, token: str) -> str:
    page = httpx.get(s.url, headers={"Authorization": f"Bearer {token}"}).text
    return re.search(r'name=dos-csrf content="([0-9a-f]+)"', page).group(1)


def test_operations_need_the_token_and_the_csrf_check(fleet_ws, serve) -> None:
    ws = fleet_ws.path
    proc = sleeper()
    with context(ws) as ctx:
        live = acquire(ctx, "api", "alice")
        gone = acquire(ctx, "docs", "bob", pid=proc.pid)
    proc.kill()
    proc.wait()
    s = serve("--token", TOKEN, "--allow-ops")
    csrf = csrf_of(s, TOKEN)
    origin = s.url.rstrip("/")
    good = {"Authorization": f"Bearer {TOKEN}", "X-DOS-CSRF": csrf, "Origin": origin}

    def post(op: str, lease_id: str, **headers) -> httpx.Response:
        return httpx.post(s.url + f"api/ops/{op}", json={"lease_id": lease_id}, headers=headers)

    assert post("halt", live.lease_id, **{**good, "Authorization": ""}).status_code == 401
    assert post("halt", live.lease_id, **{k: v for k, v in good.items() if k != "X-DOS-CSRF"}).status_code == 403
    assert post("halt", live.lease_id, **{**good, "X-DOS-CSRF": "0" * 64}).status_code == 403
    assert post("halt", live.lease_id, **{**good, "Origin": "http://evil.example"}).status_code == 403
    assert post("halt", live.lease_id, **{k: v for k, v in good.items() if k != "Origin"}).status_code == 403
    assert post("halt", live.lease_id, **{**good, "Sec-Fetch-Site": "cross-site"}).status_code == 403
    ok = post("halt", live.lease_id, **good)
    assert ok.status_code == 200 and ok.json()["recorded"] is True
    still_live = post("release", live.lease_id, **good)
    assert still_live.status_code == 409 and "is live" in still_live.json()["error"]
    released = post("release", gone.lease_id, **good)
    assert released.status_code == 200 and released.json()["lane"] == "docs"
    with context(ws) as ctx:
        assert {x.lane for x, _ in ctx.store.leases()} == {"api"}
        halts = [e for e in ctx.store.events() if e.op == "HALT"]
    assert len(halts) == 1 and halts[0].lease_id == live.lease_id and halts[0].holder == "operator(web)"


def test_guard_compares_in_constant_time_and_derives_csrf_per_process() -> None:
    a, b = Guard(TOKEN, host="127.0.0.1", allow_ops=True), Guard(TOKEN, host="127.0.0.1", allow_ops=True)
    assert a.csrf_token() != b.csrf_token() and len(a.csrf_token()) == 64
    assert a.authorized(TOKEN) and not a.authorized("") and not a.authorized(TOKEN + "x")
    assert Guard("", host="127.0.0.1", allow_ops=False).authorized("")


def test_port_in_use_is_one_line(fleet_ws) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "dos", "serve", "--port", str(port)], cwd=fleet_ws.path,
                           env=dos_env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cannot listen" in r.stderr and "Traceback" not in r.stderr


def test_without_the_web_extra_serve_says_which_extra_in_one_line(fleet_ws, tmp_path) -> None:
    # An install without the extra: a uvicorn that cannot be imported shadows the real one.
    shadow = tmp_path / "shadow" / "uvicorn"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'uvicorn'\", name='uvicorn')\n")
    env = dos_env()
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "shadow"), env.get("PYTHONPATH", "")])
    out = subprocess.run([sys.executable, "-m", "dos", "serve", "--port", "0"], cwd=fleet_ws.path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: dos serve needs the web extra (uvicorn is not installed): pip install 'dos[web]'"]
