"""The live terminal screens on Textual (the ``tui`` extra): ``dos top``, ``dos decisions``, ``dos plan``.

Each app is given a LOAD function (the service call the plain frame uses too) and
redraws from it on a timer and on ``r``. Every cell is a ``rich.text.Text`` built from
the cleaned string, never markup, so an agent's ``[bold]`` or escape codes stay text.
Nothing here writes: the decisions screen only returns the command the operator chose.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Static

from dos.tui.plain import clean, duration, render_decision

LIVENESS_STYLE = {"ADVANCING": "green", "SPINNING": "yellow", "STALLED": "red"}


def t(value: Any, style: str = "", limit: int | None = None) -> Text:
    return Text(clean(value, limit), style=style)


class _Screen(App[Any]):
    """Shared: a title line, a table, a detail pane, a refresh timer; r refreshes, q quits."""

    CSS = """
    #title { height: 1; background: $boost; }
    DataTable { height: 1fr; }
    #detail { height: auto; max-height: 14; border-top: solid $accent; }
    """
    BINDINGS = [Binding("q", "quit", "quit"), Binding("escape", "quit", "quit", show=False),
                Binding("r", "refresh", "refresh"), Binding("R", "refresh", "refresh", show=False)]

    def __init__(self, load: Callable[[], Any], *, interval: float = 5.0) -> None:
        super().__init__()
        self.load = load
        self.interval = max(0.5, float(interval))
        self.data: Any = None
        self.refreshes = 0
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield DataTable(id="table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="detail"):
            yield Static(id="detail-text")
        yield Footer()

    @property
    def table(self) -> DataTable:
        return self.query_one("#table", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns(*self.columns)
        self.reload()
        self.set_interval(self.interval, self.reload)

    def action_refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        try:
            self.data = self.load()
            self.error = ""
        except Exception as exc:  # noqa: BLE001 - a store that went away is shown, and retried next tick
            self.error = " ".join(str(exc).split())[:200]
        self.refreshes += 1
        if self.data is not None:
            self.draw()
        if self.error:
            self.query_one("#title", Static).update(t(f"cannot read the store: {self.error}", "bold red"))

    columns: tuple[str, ...] = ()

    def draw(self) -> None:  # pragma: no cover - each screen draws its own
        raise NotImplementedError


class TopApp(_Screen):
    """``dos top``: every lane with its holder, fence, expiry and the liveness of its run."""

    columns = ("lane", "liveness", "holder", "session", "fence", "mode", "expires", "beat", "denies", "stops")

    def draw(self) -> None:
        snap = self.data
        k = snap["tally"]
        self.query_one("#title", Static).update(t(
            f"dos top · read-only · {k['lanes']} lanes · {k['advancing']} advancing · {k['spinning']} spinning · "
            f"{k['stalled']} stalled · {k['free']} free · {snap['now']} · {snap['workspace']}", "bold"))
        table = self.table
        row = table.cursor_row
        table.clear()
        for r in snap["lanes"]:
            live = r.get("liveness")
            chip = r["chip"]
            expires = "-" if not r["lease_id"] else ("expired" if not r["live"] else duration(r["expires_in_ms"]))
            table.add_row(t(("*" if r["is_exclusive"] else " ") + r["lane"], "bold"),
                          t(chip, LIVENESS_STYLE.get(live or "", "dim")), t(r["holder"] or "-"),
                          t(r["session"] or "-"), t("-" if r["fence"] is None else r["fence"]),
                          t(r["mode"] or "-"), t(expires), t(duration(r["heartbeat_age_ms"])),
                          t(r["denies"] or ""), t(r["refused_stops"] or ""),
                          key=f"{r['lane']}\x1f{r['lease_id']}")
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self._detail()

    def _detail(self) -> None:
        snap = self.data
        lines = []
        if snap.get("spawns"):
            lines.append("pending spawns: " + ", ".join(f"{clean(s['lane'])} by {clean(s['holder'])}"
                                                        for s in snap["spawns"][:5]))
        for d in snap.get("denies", [])[:5]:
            lines.append(f"deny  {duration(d['age_ms'])} ago  {clean(d['lane'] or '-')}  {clean(d['session'])}: "
                         f"{clean(d['reason'], 90)}")
        for s in snap.get("refused_stops", [])[:5]:
            lines.append(f"stop  {duration(s['age_ms'])} ago  {clean(s['session'])} {s['token']}: "
                         f"{clean(s['reason'], 90)}")
        for c in snap.get("activity", [])[:5]:
            lines.append(f"commit {clean(c['sha'])} {clean(c['subject'], 90)}")
        self.query_one("#detail-text", Static).update(Text("\n".join(lines) or "no denies, stops or spawns"))


class DecisionsApp(_Screen):
    """``dos decisions``: the ranked queue; Enter exits printing the command that resolves the selected item."""

    BINDINGS = [*_Screen.BINDINGS, Binding("j", "down", "down", show=False), Binding("k", "up", "up", show=False),
                Binding("a", "toggle_all", "all/human"), Binding("enter", "choose", "print command")]
    columns = ("#", "age", "kind", "resolver", "lane", "waiting on")

    def __init__(self, load: Callable[[bool], Any], *, interval: float = 5.0, include_all: bool = False) -> None:
        self.include_all = include_all
        super().__init__(lambda: load(self.include_all), interval=interval)

    def draw(self) -> None:
        items = self.data
        self.query_one("#title", Static).update(t(
            f"operator decisions · read-only · {len(items)} pending · "
            f"{'all resolvers' if self.include_all else 'HUMAN only (a: all)'} · enter prints the command", "bold"))
        table = self.table
        row = table.cursor_row
        table.clear()
        for x in items:
            age = "-" if x["age_seconds"] is None else duration(x["age_seconds"] * 1000)
            table.add_row(t(x["index"]), t(age), t(x["kind"], "bold"), t(x["resolver_kind"]), t(x["lane"] or "-"),
                          t(x["reason_text"], limit=80), key=x["key"])
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self._detail()

    @property
    def selected(self) -> Mapping[str, Any] | None:
        items = self.data or []
        row = self.table.cursor_row
        return items[row] if items and 0 <= row < len(items) else None

    def _detail(self) -> None:
        x = self.selected
        pane = self.query_one("#detail-text", Static)
        pane.update(Text(render_decision(x) if x else "(none pending - nothing is waiting on you)"))

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._detail()

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()

    def action_toggle_all(self) -> None:
        self.include_all = not self.include_all
        self.reload()

    def action_choose(self) -> None:
        x = self.selected
        if x is not None:
            self.exit(x["proposed_command"])

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_choose()


class PlanApp(_Screen):
    """``dos plan`` live: each phase's claim beside what verify says."""

    columns = ("plan", "phase", "claimed", "oracle", "divergence", "doc")

    def draw(self) -> None:
        b = self.data
        s = b["summary"]
        self.query_one("#title", Static).update(t(
            f"dos plan · read-only · {s['phases']} phases · {s['shipped']} shipped · {s['over_claims']} over-claimed"
            f" · {b['now']} · {b['workspace']}", "bold"))
        table = self.table
        row = table.cursor_row
        table.clear()
        for r in b["phases"]:
            oracle = f"SHIPPED {r['oracle_sha']}" if r["oracle_shipped"] else "NOT_SHIPPED"
            table.add_row(t(r["plan"]), t(r["phase"]), t(r["claimed_status"] or "-"),
                          t(oracle, "green" if r["oracle_shipped"] else ""),
                          t(r["divergence"], "bold red" if r["is_divergent"] else ""), t(r.get("doc_path", "")))
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        commits = "\n".join(f"commit {clean(c['sha'])} {clean(c['subject'], 90)}" for c in b.get("activity", [])[:8])
        self.query_one("#detail-text", Static).update(Text(commits or "no commits"))
