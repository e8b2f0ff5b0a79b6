"""The dashboard: what the database holds (by sensitivity, type, folder, state), handover progress, files that
could not be inspected, the watch daemon's heartbeat and every host writing to the store (alive, queue, files/s,
errors). Loaded in a thread; refreshed every 5 s while shown.
"""

from __future__ import annotations

from rich.cells import cell_len
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
from scanner.i18n import N_, _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count, format_decimal
from scanner.review.dashboard import DaemonView, DashboardView
from scanner.review.records import Dashboard, HostStatus
from tui.modals.help import HELP_KEY
from tui.translated import TranslatedScreen
from tui.vocabulary import term
from tui.widgets.column_fit import Column, end_ellipsis, path_ellipsis
from tui.widgets.fitted_table import FittedTable

REFRESH_SECONDS = 5.0
HANDOVER_STEPS = ("decided", "executed")
DECIDED = N_("decided")
NO_DAEMON = N_("no daemon has run on this database")
SENSITIVITY_ORDER = {"sensitive": 0, "general": 1}
# Counts are never cut: the names beside them take the width that is left.
TABLES: dict[str, list[Column]] = {
    "by-type": [Column("type", N_("type"), flexible=True, shorten=end_ellipsis), Column("findings", N_("findings")),
                Column("files", N_("files"))],
    "by-folder": [Column("folder", N_("folder"), flexible=True, shorten=path_ellipsis),
                  Column("findings", N_("findings"))],
    "by-state": [Column("state", N_("state"), flexible=True, shorten=end_ellipsis), Column("findings", N_("findings"))],
    "problems": [Column("path", N_("path"), flexible=True, min_width=16, shorten=path_ellipsis),
                 Column("status", N_("status")), Column("error", N_("error"), flexible=True, shorten=end_ellipsis)],
    # narrow headings: the panel shares its row; up = a heartbeat within 15 s, seen = the last one's age
    "hosts": [Column("host", N_("host"), flexible=True, shorten=end_ellipsis), Column("up", N_("up")),
              Column("queue", N_("queue")), Column("f/s", N_("f/s")), Column("err", N_("err")),
              Column("seen", N_("seen"))],
}  # fmt: skip


def daemon_text(view: DaemonView) -> str:
    """Plain lines for the daemon panel."""
    s, d = view.status, view.depth
    if s is None:
        return _(NO_DAEMON)
    beat = (_("{seconds} s ago").format(seconds=f"{view.now - s.heartbeat_at:.0f}") if s.heartbeat_at
            else _("never"))  # fmt: skip
    rate = format_decimal(s.files_per_s) if s.files_per_s is not None else "–"
    errors = (_("errors: {count}; last: {error}").format(count=s.errors, error=safe(mask_for_display(s.last_error)))
              if s.last_error else _("errors: {count}").format(count=s.errors))  # fmt: skip
    return "\n".join([
        (_("running · state {state} · pid {pid}") if view.alive else _("NOT RUNNING · state {state} · pid {pid}"))
        .format(state=term(s.state), pid=s.pid),
        _("last heartbeat {when}").format(when=beat),
        _("queue: {queued} queued ({ready} ready), {running} running, {failed} failed; OCR queue: {ocr}").format(
            queued=d.queued, ready=d.ready, running=d.running, failed=d.failed, ocr=d.ocr_queued),
        _("{count} files scanned · {rate} files/s").format(count=format_count(s.files_scanned), rate=rate),
        errors,
    ])  # fmt: skip


def host_row(host: HostStatus, now: float) -> tuple:
    """One host as a row of the hosts table: host ids are not personal data; nothing here holds a path."""
    rate = format_decimal(host.files_per_s) if host.files_per_s is not None else "–"
    seen = age(now - host.last_seen) if host.last_seen is not None else "–"
    return (host.host, _("yes") if host.alive else _("NO"), host.queue_depth, rate, host.errors, seen)


def age(seconds: float) -> str:
    """A short age: 4s, 3m, 2h, 5d (4秒, 3分, 2时, 5天)."""
    for unit, size in ((N_("{n}d"), 86400), (N_("{n}h"), 3600), (N_("{n}m"), 60)):
        if seconds >= size:
            return _(unit).format(n=f"{seconds // size:.0f}")
    return _("{n}s").format(n=f"{max(seconds, 0):.0f}")


def violations_text(violations: list[tuple[str, int]]) -> str:
    """The totals panel's line of open zone violations: "zone violations: 3 open (critical 1, high 2)"."""
    total = sum(n for _severity, n in violations)
    if not total:
        return _("zone violations: none open")
    by_severity = ", ".join(f"{safe(term(s))} {format_count(n)}" for s, n in violations)
    return _("zone violations: {total} open ({by_severity}) · z: list").format(
        total=format_count(total), by_severity=by_severity
    )


def short_error(path: str, error: str) -> str:
    """Scanner errors start with the absolute path, already shown in the path column: keep the reason."""
    marker = f"{path}: "
    return error.split(marker, 1)[1] if marker in error else error


def step_name(step: str) -> str:
    """A handover step as shown: "decided", or the action state "executed", in the interface language."""
    return _(DECIDED) if step == "decided" else term(step)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal cells (a Chinese character takes two)."""
    return text + " " * max(0, width - cell_len(text))


def cell(value: object) -> Text:
    """A table cell as plain, escaped text: paths and errors may hold '[', which DataTable would parse as markup,
    and control characters (`safe`)."""
    if isinstance(value, int):
        return Text(f"{value:,}", justify="right")
    return safe_text(value)


class DashboardScreen(TranslatedScreen, Screen):
    """Counts and health at a glance; `r` reloads."""

    SUB_TITLE = N_("Dashboard")
    _timer: Timer | None = None
    BINDINGS = [
        HELP_KEY,
        Binding("r", "reload", N_("Refresh"), id="dashboard.refresh", tooltip=N_("Reload counts and daemon status")),
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
            yield self._panel(_("Totals"), Static(_("loading…"), id="totals"))
            with self._panel(_("Handover progress (files)"), id="handover-panel"):
                yield Static("", id="handover")
                for step in HANDOVER_STEPS:
                    with Horizontal(classes="handover-step"):
                        yield Static(step_name(step), classes="handover-label", id=f"handover-{step}-count")
                        yield ProgressBar(id=f"handover-{step}", show_eta=False)
            yield self._panel(_("Watch daemon"), Static(_("loading…"), id="daemon", markup=False))
            yield self._panel(_("By entity type"), FittedTable(TABLES["by-type"], id="by-type"))
            yield self._panel(_("Top folders"), FittedTable(TABLES["by-folder"], id="by-folder"))
            yield self._panel(_("Findings by state"), FittedTable(TABLES["by-state"], id="by-state"))
            yield self._panel(_("Files that could not be inspected"), FittedTable(TABLES["problems"], id="problems"),
                              id="problems-panel")  # fmt: skip
            yield self._panel(_("Hosts"), FittedTable(TABLES["hosts"], id="hosts"), id="hosts-panel")
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
            message = _("could not read the database: {error}").format(error=safe(event.worker.error))
            self.notify(message, severity="error", timeout=10, markup=False)

    def on_dashboard_screen_dashboard_loaded(self, message: DashboardLoaded) -> None:
        d = message.dashboard
        active = sum(n for _level, n in d.by_sensitivity)
        levels = sorted(d.by_sensitivity, key=lambda item: SENSITIVITY_ORDER.get(item[0], 9))
        lines = [_("{count} active findings").format(count=format_count(active)),
                 _("in {with_findings} of {total} files ({not_inspected} not inspected)").format(
                     with_findings=format_count(d.files_with_findings), total=format_count(d.files_total),
                     not_inspected=format_count(d.not_inspected)),
                 *(f"{pad(safe(sensitivity_name(level)), 10)} {format_count(n):>9}"
                   for level, n in levels)]  # fmt: skip
        lines.append(violations_text(d.violations))
        self.query_one("#totals", Static).update(Text("\n".join(lines)))
        to_decide = d.files_with_findings + d.files_executed  # executed files no longer hold active findings
        self.query_one("#handover", Static).update(
            _("{count} files with findings to decide on").format(count=format_count(to_decide))
        )
        for step, done in (("decided", d.files_decided), ("executed", d.files_executed)):
            self.query_one(f"#handover-{step}-count", Static).update(f"{pad(step_name(step), 9)}{done:>6,}")
            self.query_one(f"#handover-{step}", ProgressBar).update(total=to_decide, progress=done)
        self.query_one("#daemon", Static).update(daemon_text(message.daemon))
        self._fill("by-type", [(entity_name(kind), *counts) for kind, *counts in d.by_type])
        self._fill("by-folder", d.by_folder)
        self._fill("by-state", [(term(state), *counts) for state, *counts in d.by_state])
        self._fill("problems", [(path, term(status), short_error(path, error)) for path, status, error in d.problems])
        self._fill("hosts", [host_row(host, message.daemon.now) for host in message.hosts])

    def _fill(self, id: str, rows: list[tuple]) -> None:
        if self._shown.get(id) == rows:
            return  # unchanged since the last refresh: keep the cursor and scroll position as they are
        self._shown[id] = rows
        self.query_one(f"#{id}", FittedTable).set_rows([(None, [cell(value) for value in row]) for row in rows])
