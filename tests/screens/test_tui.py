"""The live screens under Textual's own headless harness (App.run_test / Pilot): keys, refresh, markup safety."""

from __future__ import annotations

import asyncio

from dos.service import decisions as sd
from dos.service import fleet
from dos.tui.app import DecisionsApp, PlanApp, TopApp
from tests.screens.kit import PLAN, context


def rows(app) -> list[list[str]]:
    t = app.table
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


def holder_of(app, lane: str) -> str:
    return next(r[2] for r in rows(app) if r[0].strip(" *") == lane)


def test_top_shows_lanes_and_r_refreshes_after_another_process_acquires(fleet_ws, run_dos) -> None:
    ctx = context(fleet_ws.path)
    app = TopApp(lambda: fleet.snapshot(ctx), interval=3600)

    async def drive() -> None:
        async with app.run_test(size=(160, 40)) as pilot:
            assert [r[0].strip(" *") for r in rows(app)] == ["api", "docs", "src", "global"]
            assert holder_of(app, "api") == "-"
            got = run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "[bold red]alice[/]",
                          cwd=fleet_ws.path)
            assert got.returncode == 0, got.stderr
            await pilot.press("r")
            await pilot.pause()
            assert holder_of(app, "api") == "[bold red]alice[/]", "markup in a holder name stays text"
            assert app.refreshes == 2
            await pilot.press("q")

    try:
        asyncio.run(drive())
    finally:
        ctx.close()
    assert app.return_value is None


def test_top_redraws_on_its_own_timer(fleet_ws, run_dos) -> None:
    ctx = context(fleet_ws.path)
    app = TopApp(lambda: fleet.snapshot(ctx), interval=0.5)

    async def drive() -> None:
        async with app.run_test(size=(160, 40)) as pilot:
            assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "bob", cwd=fleet_ws.path).returncode == 0
            for _ in range(100):  # the timer fires every 0.5 s; wait for it, not for a deadline
                await pilot.pause(0.1)
                if holder_of(app, "docs") == "bob":
                    break
            assert holder_of(app, "docs") == "bob" and app.refreshes >= 2

    try:
        asyncio.run(drive())
    finally:
        ctx.close()


def test_decisions_keys_move_toggle_refresh_and_enter_returns_the_command(fleet_ws, run_dos) -> None:
    ws = fleet_ws.path
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    assert run_dos("lease-lane", "acquire", "--lane", "global", "--owner", "bob", cwd=ws).returncode == 1
    ctx = context(ws)
    app = DecisionsApp(lambda include_all: sd.queue_json(ctx, include_all=include_all), interval=3600)

    async def drive() -> None:
        async with app.run_test(size=(160, 40)) as pilot:
            assert [r[2] for r in rows(app)] == ["OVER_CLAIM"]
            assert run_dos("halt", "--handle", "31337", "--lane", "api", cwd=ws).returncode == 0
            await pilot.press("R")
            await pilot.pause()
            assert [r[2] for r in rows(app)] == ["LIVENESS", "OVER_CLAIM"]
            await pilot.press("a")
            await pilot.pause()
            assert [r[2] for r in rows(app)] == ["LIVENESS", "OVER_CLAIM", "ARBITER_REFUSE"]
            await pilot.press("j", "j")
            assert app.table.cursor_row == 2
            await pilot.press("k")
            assert app.table.cursor_row == 1 and app.selected["kind"] == "OVER_CLAIM"
            await pilot.press("k")
            await pilot.press("enter")

    try:
        asyncio.run(drive())
    finally:
        ctx.close()
    assert app.return_value == "kill -TERM 31337"


def test_decisions_escape_quits_without_a_command(fleet_ws) -> None:
    ctx = context(fleet_ws.path)
    app = DecisionsApp(lambda include_all: sd.queue_json(ctx, include_all=include_all), interval=3600)

    async def drive() -> None:
        async with app.run_test() as pilot:
            assert app.table.row_count == 0
            await pilot.press("escape")

    try:
        asyncio.run(drive())
    finally:
        ctx.close()
    assert app.return_value is None


def test_plan_screen_lists_phases_and_marks_the_over_claim(fleet_ws) -> None:
    fleet_ws.commit("plan", files={"docs/auth-plan.md": PLAN})
    ctx = context(fleet_ws.path)
    app = PlanApp(lambda: sd.plan_board(ctx), interval=3600)

    async def drive() -> None:
        async with app.run_test(size=(160, 30)) as pilot:
            got = {r[1]: r[4] for r in rows(app)}
            assert got == {"AUTH1": "⚠over-claim", "AUTH2": "·pending"}
            fleet_ws.commit("AUTH1: login")
            await pilot.press("r")
            await pilot.pause()
            assert {r[1]: r[4] for r in rows(app)}["AUTH1"] == "✓shipped"

    try:
        asyncio.run(drive())
    finally:
        ctx.close()
