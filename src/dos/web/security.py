"""Who may reach the dashboard, and how a write is told apart from a forged one.

* Off loopback, every request needs the token; with ``--allow-ops`` too (on any address).
* The token is compared in constant time (``hmac.compare_digest``), from a bearer header,
  the ``dos_token`` cookie (set from ``?token=`` on first visit), never logged.
* A write (POST under ``/api/ops/``) also needs the CSRF token, which only a page served
  by this server carries, and an ``Origin`` (or ``Referer``) naming this server.
* On loopback the ``Host`` header must name loopback, so a DNS-rebound page cannot read it.

Importable without Starlette: the CLI checks the bind before the web extra is imported.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from typing import Mapping

from dos.errors import UsageError

MIN_TOKEN = 16
COOKIE = "dos_token"
CSRF_HEADER = "x-dos-csrf"
LOOPBACK_NAMES = ("localhost", "localhost.")


def is_loopback(host: str) -> bool:
    """Is HOST a loopback address (127.0.0.0/8, ::1) or ``localhost``? Names other than localhost are not."""
    h = host.strip().strip("[]").lower()
    if h in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str, *, allow_ops: bool) -> None:
    """Refuse to start on a non-loopback HOST without a token, or with ``--allow-ops`` and no token."""
    if not host.strip():
        raise UsageError("dos serve: --host is empty; give an address such as 127.0.0.1")
    if token and len(token) < MIN_TOKEN:
        raise UsageError(f"dos serve: the token is {len(token)} characters; use at least {MIN_TOKEN} "
                         f"(e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`)")
    if not is_loopback(host) and not token:
        raise UsageError(f"dos serve: binding {host!r} (not loopback) needs a token: pass --token or set "
                         f"DOS_WEB_TOKEN, or bind 127.0.0.1")
    if allow_ops and not token:
        raise UsageError("dos serve: --allow-ops needs a token (--token or DOS_WEB_TOKEN): writes are never "
                         "open to whoever can reach the port")


def same(a: str, b: str) -> bool:
    """Constant-time equality of two strings."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class Guard:
    """The server's secrets: the access token (may be empty on loopback) and a per-process CSRF key."""

    def __init__(self, token: str, *, host: str, allow_ops: bool) -> None:
        self.token = token
        self.loopback = is_loopback(host)
        self.allow_ops = allow_ops
        self._csrf_key = secrets.token_bytes(32)

    @property
    def required(self) -> bool:
        return bool(self.token)

    def presented(self, headers: Mapping[str, str], cookies: Mapping[str, str], query: Mapping[str, str]) -> str:
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        return cookies.get(COOKIE, "") or query.get("token", "")

    def authorized(self, presented: str) -> bool:
        if not self.token:
            return True
        return bool(presented) and same(presented, self.token)

    def csrf_token(self) -> str:
        """The token a page carries for its writes: derived from the per-process key (and the access token)."""
        return hmac.new(self._csrf_key, self.token.encode("utf-8"), hashlib.sha256).hexdigest()

    def csrf_ok(self, headers: Mapping[str, str], own_origins: set[str]) -> bool:
        given = headers.get(CSRF_HEADER, "")
        if not given or not same(given, self.csrf_token()):
            return False
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return False
        origin = headers.get("origin") or _origin_of(headers.get("referer", ""))
        return bool(origin) and origin in own_origins

    def host_ok(self, host_header: str) -> bool:
        """On loopback, only loopback Host headers (DNS rebinding); elsewhere the token protects."""
        if not self.loopback:
            return True
        name = host_header.rsplit(":", 1)[0] if not host_header.startswith("[") else host_header.split("]")[0] + "]"
        return is_loopback(name)


def _origin_of(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        p = urlsplit(url)
    except ValueError:
        return ""
    return f"{p.scheme}://{p.netloc}" if p.scheme and p.netloc else ""
