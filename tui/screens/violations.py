"""Zone violations: files holding personal data where a [[zones]] policy forbids it, with the zone, severity,
masked path, rule and when it was first and last seen; filtered by zone, severity and state, and drilled into
the file's findings (enter)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from scanner.display import safe, safe_text
from scanner.display_mask import mask_for_display
from scanner.i18n import N_, _
from scanner.i18n.numbers import format_count
from scanner.review.records import ViolationRow
from scanner.review.violations import ViolationList
from scanner.states import ViolationState, ZoneSeverity
from tui.modals.help import HELP_KEY
from tui.translated import TranslatedScreen
from tui.vocabulary import listed, term

COLUMNS = (
    N_("zone"),
    N_("severity"),
    N_("state"),
    N_("path"),
    N_("rule"),
    N_("first seen"),
    N_("last seen"),
    N_("findings"),
)
# The status line's first part, per state filter: whole phrases.
STATE_COUNTS = {ViolationState.OPEN: N_("{count} open"), ViolationState.RESOLVED: N_("{count} resolved"),
                None: N_("{count} open and resolved")}  # fmt: skip
STATE_CYCLE = (ViolationState.OPEN, ViolationState.RESOLVED, None)
SEVERITY_CYCLE = (None, *reversed(ZoneSeverity))
SEVERITY_STYLE = {ZoneSeverity.CRITICAL: "bold red", ZoneSeverity.HIGH: "red", ZoneSeverity.MEDIUM: "yellow"}


def when(stamp: str | None) -> str:
    """A stored UTC time as "2026-11-23 09:15"."""
    return stamp.replace("T", " ")[:16] if stamp else "-"


def shown(text: str) -> Text:
    """A path, preview or zone from the store as shown: display-masked, then escaped."""
    return safe_text(mask_for_display(text))


class ViolationsScreen(TranslatedScreen, Screen):
    """`o` cycles open / resolved / all, `n` the zone, `s` the severity; enter shows the file's findings."""

    SUB_TITLE = N_("Zone violations")
    BINDINGS = [
        HELP_KEY,
        Binding(
            "o", "next_state", N_("State"), id="violations.state", tooltip=N_("Show open, resolved or all violations")
        ),
        Binding("n", "next_zone", N_("Zone"), id="violations.zone", tooltip=N_("Show one zone's violations")),
        Binding("s", "next_severity", N_("Severity"), id="violations.severity", tooltip=N_("Show one severity")),
        Binding("enter", "findings", N_("Findings"), id="violations.findings", tooltip=N_("The findings of this file")),
        Binding("r", "reload", N_("Refresh"), id="violations.refresh", tooltip=N_("Read the violations again")),
    ]

    class ViolationsLoaded(Message):
        def __init__(self, listing: ViolationList) -> None:
            super().__init__()
            self.listing = listing

    def __init__(self) -> None:
        super().__init__()
        self.state: str | None = ViolationState.OPEN
        self.zone: str | None = None
        self.severity: str | None = None
        self.zones: list[str] = []
        self.rows: list[ViolationRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="violations-status", markup=False)
        table = DataTable(id="violations-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(_(column) for column in COLUMNS))
        yield table
        yield Static("", id="violations-detail", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#violations-table").focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load(self.state, self.zone, self.severity)

    def action_next_state(self) -> None:
        self.state = STATE_CYCLE[(STATE_CYCLE.index(self.state) + 1) % len(STATE_CYCLE)]
        self.action_reload()

    def action_next_zone(self) -> None:
        cycle = [None, *self.zones]
        self.zone = cycle[(cycle.index(self.zone) + 1) % len(cycle)] if self.zone in cycle else None
        self.action_reload()

    def action_next_severity(self) -> None:
        self.severity = SEVERITY_CYCLE[(SEVERITY_CYCLE.index(self.severity) + 1) % len(SEVERITY_CYCLE)]
        self.action_reload()

    async def action_findings(self) -> None:
        """Show the highlighted violation's file in the findings screen (its own filter: esc shows all files)."""
        row = self._current()
        if row is None:
            return
        await self.app.switch_mode("findings")
        self.app.screen.show_file(row.file_id, mask_for_display(row.path))

    @on(DataTable.RowSelected, "#violations-table")
    async def _selected(self, event: DataTable.RowSelected) -> None:
        await self.action_findings()

    @work(thread=True, exclusive=True, group="violations", exit_on_error=False)
    def _load(self, state: str | None, zone: str | None, severity: str | None) -> None:
        self.post_message(self.ViolationsLoaded(self.app.review.violation_list(state, zone, severity)))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "violations" and event.state == WorkerState.ERROR:
            message = _("could not read the violations: {error}").format(error=safe(event.worker.error))
            self.notify(message, severity="error", timeout=10, markup=False)

    def on_violations_screen_violations_loaded(self, message: ViolationsLoaded) -> None:
        listing = message.listing
        self.zones, self.rows = listing.zones, listing.rows
        what = [_(STATE_COUNTS[self.state]).format(count=format_count(len(self.rows)))]
        if self.zone:
            what.append(_("zone {zone}").format(zone=mask_for_display(self.zone)))
        if self.severity:
            what.append(_("severity {severity}").format(severity=term(self.severity)))
        if not self.rows and not listing.zones:
            what.append(_("none recorded: zones are set in custos.toml ([[zones]])"))
        # only the values from the store are display-masked: the interface's own words never are
        self.query_one("#violations-status", Static).update(safe_text(" · ".join(what)))
        table = self.query_one("#violations-table", DataTable)
        table.clear()
        for v in self.rows:
            table.add_row(
                shown(v.zone), Text(term(v.severity), style=SEVERITY_STYLE.get(v.severity, "")), Text(term(v.state)),
                shown(v.path), shown(v.rule), Text(when(v.first_seen)), Text(when(v.last_seen)),
                Text(f"{v.findings:,}", justify="right"), key=str(v.id),
            )  # fmt: skip
        self._show_detail(self._current())

    @on(DataTable.RowHighlighted, "#violations-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(self._current())

    def _current(self) -> ViolationRow | None:
        table = self.query_one("#violations-table", DataTable)
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _show_detail(self, v: ViolationRow | None) -> None:
        detail = self.query_one("#violations-detail", Static)
        if v is None:
            detail.update("")
            return
        masked = mask_for_display
        lines = [
            f"#{v.id} {masked(v.zone)} · {masked(v.rule)} · {term(v.severity)} · {term(v.state)}"
            + (_(" (resolved {when})").format(when=when(v.resolved_at)) if v.resolved_at else ""),
            _("{path}: {count} findings; e.g. {previews}").format(
                path=masked(v.path), count=format_count(v.findings), previews=masked(listed(v.previews)) or "-"
            ),
        ]
        if v.action_id is not None:
            lines.append(_("quarantine proposed automatically: action {id} (approvals: p)").format(id=v.action_id))
        detail.update(safe_text("\n".join(lines)))
