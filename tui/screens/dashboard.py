"""The dashboard: what the database holds (by sensitivity, type, folder, state), handover progress, files that
could not be inspected, the watch daemon's heartbeat and every host writing to the store (alive, queue, files/s,
errors). Loaded in a thread; refreshed every 5 s while shown.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState

from scanner.display import safe, safe_text
from scanner.display_mask import mask_for_display
from scanner.review.dashboard import DaemonView, DashboardView
from scanner.review.records import Dashboard, HostStatus
from tui.modals.help import HELP_KEY
from tui.widgets.column_fit import Column, end_ellipsis, path_ellipsis
from tui.widgets.fitted_table import FittedTable

REFRESH_SECONDS = 5.0
NO_DAEMON = "no daemon has run on this database"
SENSITIVITY_ORDER = {"sensitive": 0, "general": 1}
# Counts are never cut: the names beside them take the width that is left.
TABLES: dict[str, list[Column]] = {
    "by-type": [Column("type", "type", flexible=True, shorten=end_ellipsis), Column("findings", "findings"),
                Column("files", "files")],
    "by-folder": [Column("folder", "folder", flexible=True, shorten=path_ellipsis), Column("findings", "findings")],
    "by-state": [Column("state", "state", flexible=True, shorten=end_ellipsis), Column("findings", "findings")],
    "problems": [Column("path", "path", flexible=True, min_width=16, shorten=path_ellipsis),
                 Column("status", "status"), Column("error", "error", flexible=True, shorten=end_ellipsis)],
    # narrow headings: the panel shares its row; up = a heartbeat within 15 s, seen = the last one's age
    "hosts": [Column("host", "host", flexible=True, shorten=end_ellipsis), Column("up", "up"),
              Column("queue", "queue"), Column("f/s", "f/s"), Column("err", "err"), Column("seen", "seen")],
}  # fmt: skip


def daemon_text(view: DaemonView) -> str:
    """Plain lines for the daemon panel."""
    s, d = view.status, view.depth
    if s is None:
        return NO_DAEMON
    beat = f"{view.now - s.heartbeat_at:.0f} s ago" if s.heartbeat_at else "never"
    rate = f"{s.files_per_s:.1f}" if s.files_per_s is not None else "–"
    return "\n".join([
        f"{'running' if view.alive else 'NOT RUNNING'} · state {s.state} · pid {s.pid}",
        f"last heartbeat {beat}",
        f"queue: {d.queued} queued ({d.ready} ready), {d.running} running, {d.failed} failed;"
        f" OCR queue: {d.ocr_queued}",
        f"{s.files_scanned:,} files scanned · {rate} files/s",
        f"errors: {s.errors}" + (f"; last: {safe(mask_for_display(s.last_error))}" if s.last_error else ""),
    ])  # fmt: skip


def host_row(host: HostStatus, now: float) -> tuple:
    """One host as a row of the hosts table: host ids are not personal data; nothing here holds a path."""
    rate = f"{host.files_per_s:.1f}" if host.files_per_s is not None else "–"
    seen = age(now - host.last_seen) if host.last_seen is not None else "–"
    return (host.host, "yes" if host.alive else "NO", host.queue_depth, rate, host.errors, seen)


def age(seconds: float) -> str:
    """A short age: 4s, 3m, 2h, 5d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size:.0f}{unit}"
    return f"{max(seconds, 0):.0f}s"


def violations_text(violations: list[tuple[str, int]]) -> str:
    """The totals panel's line of open zone violations: "zone violations: 3 open (critical 1, high 2)"."""
    total = sum(n for _, n in violations)
    if not total:
        return "zone violations: none open"
    return f"zone violations: {total:,} open ({', '.join(f'{safe(s)} {n:,}' for s, n in violations)}) · z: list"


def short_error(path: str, error: str) -> str:
    """Scanner errors start with the absolute path, already shown in the path column: keep the reason."""
    marker = f"{path}: "
    return error.split(marker, 1)[1] if marker in error else error


def cell(value: object) -> Text:
    """A table cell as plain, escaped text: paths and errors may hold '[', which DataTable would parse as markup,
    and control characters (`safe`)."""
    if isinstance(value, int):
        return Text(f"{value:,}", justify="right")
    return safe_text(value)


class DashboardScreen(Screen):
    """Counts and health at a glance; `r` reloads."""

    SUB_TITLE = "Dashboard"
    _timer: Timer | None = None
    BINDINGS = [
        HELP_KEY,
        Binding("r", "reload", "Refresh", id="dashboard.refresh", tooltip="Reload counts and daemon status"),
    ]

    class DashboardLoaded(Message):
        """A fresh read of the database (posted from the loading thread)."""

        def __init__(self, view: DashboardView) -> None:
            super().__init__()
            self.dashboard: Dashboard = view.counts
            self.daemon: DaemonView = view.daemon
            self.hosts: list[HostStatus] = view.hosts

    def __init__(self) -> None:
        super().__init__()
        self._shown: dict[str, list[tuple]] = {}  # rows last put in each table

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="dashboard-grid"):
            yield self._panel("Totals", Static("loading…", id="totals"))
            with self._panel("Handover progress (files)", id="handover-panel"):
                yield Static("", id="handover")
                for step in ("decided", "executed"):
                    with Horizontal(classes="handover-step"):
                        yield Static(step, classes="handover-label", id=f"handover-{step}-count")
                        yield ProgressBar(id=f"handover-{step}", show_eta=False)
            yield self._panel("Watch daemon", Static("loading…", id="daemon", markup=False))
            yield self._panel("By entity type", FittedTable(TABLES["by-type"], id="by-type"))
            yield self._panel("Top folders", FittedTable(TABLES["by-folder"], id="by-folder"))
            yield self._panel("Findings by state", FittedTable(TABLES["by-state"], id="by-state"))
            yield self._panel("Files that could not be inspected", FittedTable(TABLES["problems"], id="problems"),
                              id="problems-panel")  # fmt: skip
            yield self._panel("Hosts", FittedTable(TABLES["hosts"], id="hosts"), id="hosts-panel")
        yield Footer(compact=True, show_command_palette=False)

    @staticmethod
    def _panel(title: str, *children, id: str | None = None) -> Vertical:
        panel = Vertical(*children, classes="panel", id=id)
        panel.border_title = title
        return panel

    def on_screen_resume(self) -> None:
        self.action_reload()
        if self._timer is None:
            self._timer = self.set_interval(REFRESH_SECONDS, self.action_reload)
        else:
            self._timer.resume()

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()  # no reads while another screen is showing

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(self.DashboardLoaded(self.app.review.dashboard()))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "dashboard" and event.state == WorkerState.ERROR:
            self.notify(f"could not read the database: {safe(event.worker.error)}", severity="error", timeout=10,
                        markup=False)  # fmt: skip

    def on_dashboard_screen_dashboard_loaded(self, message: DashboardLoaded) -> None:
        d = message.dashboard
        active = sum(n for _, n in d.by_sensitivity)
        levels = sorted(d.by_sensitivity, key=lambda item: SENSITIVITY_ORDER.get(item[0], 9))
        lines = [f"{active:,} active findings", f"in {d.files_with_findings:,} of {d.files_total:,} files"
                 f" ({d.not_inspected:,} not inspected)",
                 *(f"{safe(level):<10} {n:>9,}" for level, n in levels)]  # fmt: skip
        lines.append(violations_text(d.violations))
        self.query_one("#totals", Static).update(Text("\n".join(lines)))
        to_decide = d.files_with_findings + d.files_executed  # executed files no longer hold active findings
        self.query_one("#handover", Static).update(f"{to_decide:,} files with findings to decide on")
        for step, done in (("decided", d.files_decided), ("executed", d.files_executed)):
            self.query_one(f"#handover-{step}-count", Static).update(f"{step:<9}{done:>6,}")
            self.query_one(f"#handover-{step}", ProgressBar).update(total=to_decide, progress=done)
        self.query_one("#daemon", Static).update(daemon_text(message.daemon))
        self._fill("by-type", d.by_type)
        self._fill("by-folder", d.by_folder)
        self._fill("by-state", d.by_state)
        self._fill("problems", [(path, status, short_error(path, error)) for path, status, error in d.problems])
        self._fill("hosts", [host_row(host, message.daemon.now) for host in message.hosts])

    def _fill(self, id: str, rows: list[tuple]) -> None:
        if self._shown.get(id) == rows:
            return  # unchanged since the last refresh: keep the cursor and scroll position as they are
        self._shown[id] = rows
        self.query_one(f"#{id}", FittedTable).set_rows([(None, [cell(value) for value in row]) for row in rows])
