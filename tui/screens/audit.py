"""The audit log, newest first, with its verification result on top: chain and signatures intact, or where
and why it breaks. The log is streamed in a thread and only the latest matching records are kept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from scanner.display import safe, safe_record, safe_text
from scanner.i18n import N_, _, ngettext
from scanner.i18n.numbers import format_count
from scanner.review.records import VerifyResult
from tui.modals.help import HELP_KEY
from tui.translated import TranslatedScreen

SHOW_AT_MOST = 2_000
COLUMNS = (N_("seq"), N_("time (UTC)"), N_("event"), N_("actor"), N_("action"), N_("target"), N_("result / method"))


def matches(record: dict[str, Any], text: str) -> bool:
    """The filter: ``text`` (case-insensitive) in the event name, the target, or either actor name."""
    needle = text.casefold()
    actor = record.get("actor") or {}
    fields = (record.get("event"), record.get("target"), actor.get("os_user"), actor.get("reviewer"))
    return any(needle in str(value).casefold() for value in fields if value)


def latest_matching(
    records: Iterable[dict[str, Any]], text: str, limit: int = SHOW_AT_MOST, cancelled: Callable[[], bool] = bool
) -> tuple[list[dict[str, Any]], int]:
    """The newest ``limit`` records matching ``text`` (newest first) and how many matched in all; holds only
    ``limit`` records in memory. Stops early, returning nothing, once ``cancelled()`` is true."""
    kept: deque[dict[str, Any]] = deque(maxlen=limit)
    count = 0
    for read, record in enumerate(records, start=1):
        if read % 5_000 == 0 and cancelled():
            return [], 0
        if not text or matches(record, text):
            kept.append(record)
            count += 1
    return list(reversed(kept)), count


def row(record: dict[str, Any]) -> tuple[Text, ...]:
    """One table row; every cell plain Text (a target path may hold '[', which DataTable would read as markup),
    every string decoded from its stored form and escaped (`safe_record`)."""
    record = safe_record(record)
    actor = record.get("actor") or {}
    when = str(record.get("time", ""))[:19].replace("T", " ")
    outcome = " · ".join(str(record[k]) for k in ("result", "method") if record.get(k))
    who = actor.get("reviewer") or actor.get("os_user")
    values = (record.get("event"), who, record.get("action"), record.get("target"), outcome)
    return (Text(str(record.get("seq", "")), justify="right"), Text(when),
            *(Text("" if v is None else str(v)) for v in values))  # fmt: skip


def verify_text(result: VerifyResult) -> str:
    if result.ok:
        return _("verified: {count} records, chain and signatures intact").format(count=format_count(result.records))
    if result.first_bad is None:
        return _("CANNOT VERIFY: {reason}").format(reason=safe(result.reason))
    return _("BROKEN at record {seq}: {reason}").format(seq=result.first_bad, reason=safe(result.reason))


class AuditScreen(TranslatedScreen, Screen):
    """`r` re-verifies and reloads; `/` filters by event, target or actor."""

    SUB_TITLE = N_("Audit log")
    BINDINGS = [
        HELP_KEY,
        Binding("r", "reload", N_("Refresh"), id="audit.refresh", tooltip=N_("Verify the log again and reload it")),
        Binding(
            "slash", "focus_filter", N_("Filter"), id="audit.filter", tooltip=N_("Filter by event, target or actor")
        ),
        Binding("escape", "clear_filter", N_("Clear filter"), id="audit.clear", tooltip=N_("Show every record again")),
    ]

    class AuditVerified(Message):
        def __init__(self, result: VerifyResult) -> None:
            super().__init__()
            self.result = result

    class AuditRecordsLoaded(Message):
        def __init__(self, records: list[dict[str, Any]], matched: int, text: str) -> None:
            super().__init__()
            self.records, self.matched, self.text = records, matched, text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(_("verifying the audit log…"), id="audit-verify", markup=False)
        with Horizontal(id="audit-filter-bar"):
            yield Input(placeholder=_("filter: event, or text in target / actor"), id="audit-filter")
            yield Static("", id="audit-count")
        table = DataTable(id="audit-log", cursor_type="row", zebra_stripes=True)
        table.add_columns(*(_(column) for column in COLUMNS))
        yield table
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#audit-log").focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        banner = self.query_one("#audit-verify", Static)
        banner.set_classes("")
        banner.update(_("verifying the audit log…"))
        self._verify()
        self._load(self.query_one("#audit-filter", Input).value.strip())

    def action_focus_filter(self) -> None:
        self.query_one("#audit-filter").focus()

    def action_clear_filter(self) -> None:
        self.query_one("#audit-filter", Input).value = ""
        self.query_one("#audit-log").focus()

    @on(Input.Changed, "#audit-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._load(event.value.strip())

    @on(Input.Submitted, "#audit-filter")
    def _filter_submitted(self) -> None:
        self.query_one("#audit-log").focus()

    @work(thread=True, exclusive=True, group="audit-verify", exit_on_error=False)
    def _verify(self) -> None:
        self.post_message(self.AuditVerified(self.app.review.verify_audit()))

    @work(thread=True, exclusive=True, group="audit-records", exit_on_error=False)
    def _load(self, text: str) -> None:
        worker = get_current_worker()
        records, matched = latest_matching(
            self.app.review.audit_records(), text, SHOW_AT_MOST, lambda: worker.is_cancelled
        )
        if not worker.is_cancelled:
            self.post_message(self.AuditRecordsLoaded(records, matched, text))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group.startswith("audit") and event.state == WorkerState.ERROR:
            message = _("could not read the audit log: {error}").format(error=safe(event.worker.error))
            self.notify(message, severity="error", timeout=10, markup=False)

    def on_audit_screen_audit_verified(self, message: AuditVerified) -> None:
        banner = self.query_one("#audit-verify", Static)
        banner.set_classes("verified" if message.result.ok else "broken")
        banner.update(verify_text(message.result))

    def on_audit_screen_audit_records_loaded(self, message: AuditRecordsLoaded) -> None:
        if message.text != self.query_one("#audit-filter", Input).value.strip():
            return  # a load for an earlier filter, overtaken by the one now running
        shown, matched = len(message.records), message.matched
        if message.text:
            what = ngettext("{count} record matching {text}", "{count} records matching {text}", matched)
        else:
            what = ngettext("{count} record", "{count} records", matched)
        count = what.format(count=format_count(matched), text=repr(message.text))
        if matched > shown:
            count = _("latest {shown} of {matched}").format(shown=format_count(shown), matched=count)
        self.query_one("#audit-count", Static).update(safe_text(count))
        table = self.query_one("#audit-log", DataTable)
        table.clear()
        table.add_rows(row(record) for record in message.records)
