"""The people the findings describe: each with their categories and counts, drilled into the files and records
holding them, and one key to propose an action on all of one person's findings (an Art. 47 deletion request).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from scanner.display import safe, safe_text
from scanner.display_mask import mask_for_display
from scanner.i18n import N_, _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count
from scanner.review.subjects import SubjectList, SubjectSummary
from scanner.states import SubjectCategory
from tui.modals.help import HELP_KEY
from tui.translated import TranslatedScreen
from tui.vocabulary import listed, term
from tui.widgets.proposing import PROPOSE_BINDINGS, ProposeKeys

PEOPLE_COLUMNS = (N_("id"), N_("name"), N_("categories"), N_("minor"), N_("files"), N_("findings"))
PLACE_COLUMNS = (N_("file"), N_("record"), N_("findings"))
CATEGORY_CYCLE = (None, *(c.value for c in SubjectCategory if c != SubjectCategory.MINOR))


def shown(text: str | None) -> Text:
    """Text from the store (a preview, a path, a record key) as shown: display-masked, then escaped."""
    return safe_text(mask_for_display(text or "-"))


class SubjectsScreen(TranslatedScreen, ProposeKeys, Screen):
    """`c` cycles the category filter, `k` shows minors only; m / D / … propose on the person's findings."""

    SUB_TITLE = N_("Data subjects")
    BINDINGS = [
        HELP_KEY,
        Binding("c", "next_category", N_("Category"), id="subjects.category", tooltip=N_("Show one category of data")),
        Binding(
            "k", "toggle_minors", N_("Minors"), id="subjects.minors", tooltip=N_("Show only people flagged as minors")
        ),
        *PROPOSE_BINDINGS,
    ]

    class SubjectsLoaded(Message):
        def __init__(self, listing: SubjectList) -> None:
            super().__init__()
            self.listing = listing

    class SubjectLoaded(Message):
        def __init__(self, summary: SubjectSummary | None, finding_ids: list[int]) -> None:
            super().__init__()
            self.summary, self.finding_ids = summary, finding_ids

    def __init__(self) -> None:
        super().__init__()
        self.category: str | None = None
        self.minors_only = False
        self.subject_id: int | None = None
        self.finding_ids: list[int] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="subjects-status", markup=False)
        with Horizontal(id="subjects-body"):
            people = DataTable(id="subjects-people", cursor_type="row", zebra_stripes=True)
            people.add_columns(*(_(column) for column in PEOPLE_COLUMNS))
            yield people
            with Vertical(id="subjects-detail"):
                yield Static("", id="subjects-person", markup=False)
                places = DataTable(id="subjects-places", cursor_type="row")
                places.add_columns(*(_(column) for column in PLACE_COLUMNS))
                yield places
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#subjects-people").focus()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load(self.category, True if self.minors_only else None)

    def action_next_category(self) -> None:
        self.category = CATEGORY_CYCLE[(CATEGORY_CYCLE.index(self.category) + 1) % len(CATEGORY_CYCLE)]
        self.action_reload()

    def action_toggle_minors(self) -> None:
        self.minors_only = not self.minors_only
        self.action_reload()

    def proposal_targets(self) -> tuple[list[int], list[int]]:
        return list(self.finding_ids), []

    def proposal_done(self, action_ids: list[int]) -> None:
        if self.subject_id is not None:
            self._load_subject(self.subject_id)

    @work(thread=True, exclusive=True, group="subjects-list", exit_on_error=False)
    def _load(self, category: str | None, minor: bool | None) -> None:
        self.post_message(self.SubjectsLoaded(self.app.review.subjects(category, minor)))

    @work(thread=True, exclusive=True, group="subjects-person", exit_on_error=False)
    def _load_subject(self, subject_id: int) -> None:
        review = self.app.review
        self.post_message(self.SubjectLoaded(review.subject(subject_id), review.subject_finding_ids(subject_id)))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.worker.group.startswith("subjects") and event.state == WorkerState.ERROR:
            message = _("could not read the subjects: {error}").format(error=safe(event.worker.error))
            self.notify(message, severity="error", timeout=10, markup=False)

    def on_subjects_screen_subjects_loaded(self, message: SubjectsLoaded) -> None:
        listing = message.listing
        what = [_("{count} people").format(count=format_count(listing.total))]
        if self.category:
            what.append(_("holding {category}").format(category=term(self.category)))
        if self.minors_only:
            what.append(_("minors only"))
        if listing.total > len(listing.rows):
            what.append(_("first {count} shown").format(count=format_count(len(listing.rows))))
        if not listing.total and not self.category and not self.minors_only:
            what.append(_("none linked yet: run 'custos subjects link' (or scan)"))
        self.query_one("#subjects-status", Static).update(safe_text(_(", ").join(what)))
        table = self.query_one("#subjects-people", DataTable)
        table.clear()
        for s in listing.rows:
            table.add_row(
                Text(str(s.id), justify="right"), shown(s.name_preview), Text(listed([term(c) for c in s.categories])),
                Text(_("minor") if s.minor else ""), Text(str(s.files), justify="right"),
                Text(str(s.findings), justify="right"), key=str(s.id),
            )  # fmt: skip
        if not listing.rows:
            self._show(None, [])

    @on(DataTable.RowHighlighted, "#subjects-people")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.subject_id = int(event.row_key.value)
            self._load_subject(self.subject_id)

    def on_subjects_screen_subject_loaded(self, message: SubjectLoaded) -> None:
        if message.summary is not None and message.summary.id != self.subject_id:
            return  # overtaken by a later highlight
        self._show(message.summary, message.finding_ids)

    def _show(self, summary: SubjectSummary | None, finding_ids: list[int]) -> None:
        self.finding_ids = finding_ids
        person = self.query_one("#subjects-person", Static)
        places = self.query_one("#subjects-places", DataTable)
        places.clear()
        if summary is None:
            person.update("")
            return
        categories = listed([term(c) for c in summary.categories]) or "-"
        heading = (_("#{id} {name}: {categories}, minor ({sensitivity})") if summary.minor
                  else _("#{id} {name}: {categories} ({sensitivity})"))  # fmt: skip
        lines = [
            heading.format(
                id=summary.id,
                name=mask_for_display(summary.name_preview or "-"),
                categories=categories,
                sensitivity=sensitivity_name(summary.sensitivity),
            ),
            _("{findings} findings on {records} records in {files} files").format(
                findings=format_count(summary.findings),
                records=format_count(summary.records),
                files=format_count(summary.files),
            ),
            *(
                _("{kind}: {preview} ({count} records)").format(
                    kind=entity_name(kind), preview=mask_for_display(preview), count=n
                )
                for kind, preview, n in summary.identifiers[:4]
            ),
        ]
        person.update(safe_text("\n".join(lines)))
        for place in summary.places:
            places.add_row(shown(place.path), shown(place.record), Text(str(place.findings), justify="right"))
