"""``dos hook selftest [HOST]``: run the hooks a host has installed exactly as that host would.

The command strings come from the host's own config file (project and user scope), and
run through ``sh -c`` with ``PATH=/usr/bin:/bin``, the host's variables and cwd a
throwaway workspace (and a subdirectory of it) where another session holds a lane: the
pretool command must deny a write there in the host's envelope, the others must exit 0,
and the host's trust state must let them run. See ``dos.service.wiring_probe``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dos.service.wiring import SCOPES, SPECS
from dos.service.wiring_probe import DENY_EXIT, PROBE, Check, checks, is_deny, payload, short  # noqa: F401


@dataclass(frozen=True)
class SelftestResult:
    host: str
    ok: bool
    detail: str
    scope: str = "project"
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "scope": self.scope, "ok": self.ok, "detail": self.detail, "fix": self.fix}


def _result(c: Check) -> SelftestResult:
    if c.runs:
        trust = {True: "", False: " (host trust: not trusted)", None: ""}[c.trusted]
        detail = f"`{short(c.command)}` {c.detail}{trust}" if c.command else c.detail
        if c.missing:
            detail += f"; not wired: {', '.join(c.missing)} (dos init --hooks {c.host} --force adds them)"
        return SelftestResult(c.host, True, f"{c.path}: {detail}", c.scope)
    return SelftestResult(c.host, False, f"{c.path}: {c.problem}", c.scope, c.fix)


def selftest_all(root: Path, hosts: list[str] | None = None, scopes: tuple[str, ...] = SCOPES) -> list[SelftestResult]:
    """One result per wired (host, scope) among HOSTS and SCOPES; a host DOS had a dialect but no
    installer for would be one failed result saying so, since DOS could not read its wiring."""
    unwired = [h for h in hosts or () if h not in SPECS]
    out = [SelftestResult(h, False, f"{h}: DOS has a dialect but no installer for this host, so it cannot read "
                                    "the wiring back to test it", "project",
                          f"wire it by hand as docs/hosts.md shows, then pipe a payload to "
                          f"`dos-hook pretool --dialect {h}`") for h in unwired]
    wired = [h for h in hosts if h in SPECS] if hosts else hosts
    if hosts and not wired:
        return out
    return out + [_result(c) for c in checks(Path(root), wired, scopes)]


def selftest(root: Path, host: str, scope: str | None = None) -> SelftestResult:
    """HOST's result (the first failing scope, else the first wired one)."""
    found = selftest_all(root, [host], (scope,) if scope else SCOPES)
    if not found and host in SPECS:
        where = SPECS[host].path if scope != "user" else "the user-scope file"
        return SelftestResult(host, False, f"no DOS hook wired for {host} ({where})", scope or "project",
                              f"dos init --hooks {host}")
    return next((r for r in found if not r.ok), found[0])
