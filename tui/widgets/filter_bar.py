"""The findings filter bar: incremental search, entity type, sensitivity, state, exposure and minimum score.

Emits `FilterBar.Changed` with a `FindingFilter` (typing is debounced); it never queries the store — the
screen loads the entity types and hands them over with `set_entity_types`.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from scanner.i18n import N_, _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.review.records import FindingFilter
from scanner.states import FINDING_STATES, ExposureLevel, FindingState
from tui.vocabulary import term

DEBOUNCE = 0.25  # seconds of quiet typing before the filter applies
SENSITIVITIES = ("sensitive", "general", "organization")
# who can read the file, at least: every user, a broad group, a group (see scanner.exposure); short, for 80 columns
EXPOSURES = (
    (N_("all"), ExposureLevel.ALL),
    (N_("broad+"), ExposureLevel.BROAD_GROUP),
    (N_("group+"), ExposureLevel.GROUP),
)


class FilterBar(Horizontal):
    """Filter inputs in one row; the current filter is `value`."""

    DEFAULT_CSS = """
    FilterBar { height: 3; }
    FilterBar #search { width: 1fr; }
    FilterBar #type { width: 24; }
    FilterBar #sensitivity { width: 20; }
    FilterBar #state { width: 17; }
    FilterBar #exposure { width: 14; }
    FilterBar #min-score { width: 15; }
    """

    class Changed(Message):
        """The reviewer changed the filter."""

        def __init__(self, value: FindingFilter) -> None:
            super().__init__()
            self.value = value

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.value = FindingFilter()
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("/ search: path, type, preview, rule"), id="search")
        yield Select[str]([], prompt=_("type"), id="type")
        yield Select[str]([(sensitivity_name(s), s) for s in SENSITIVITIES], prompt=_("sensitivity"), id="sensitivity")
        yield Select[str]([(term(s), s) for s in FINDING_STATES], value=FindingState.ACTIVE, allow_blank=False,
                          id="state")  # fmt: skip
        yield Select[str]([(_(label), level) for label, level in EXPOSURES], prompt=_("access"), id="exposure")
        yield Input(placeholder=_("score ≥"), type="number", id="min-score")

    def set_entity_types(self, types: list[str]) -> None:
        select = self.query_one("#type", Select)
        current = select.value
        select.set_options((entity_name(t), t) for t in types)
        if current in types:
            select.value = current

    def focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def read(self) -> FindingFilter:
        """The filter the inputs currently describe."""
        entity = self.query_one("#type", Select).value
        sensitivity = self.query_one("#sensitivity", Select).value
        state = self.query_one("#state", Select).value
        exposure = self.query_one("#exposure", Select).value
        search = self.query_one("#search", Input).value.strip()
        try:
            min_score = float(self.query_one("#min-score", Input).value)
        except ValueError:
            min_score = None
        return FindingFilter(
            entity_types=(entity,) if isinstance(entity, str) else (),
            sensitivity=sensitivity if isinstance(sensitivity, str) else None,
            state=state if isinstance(state, str) else FindingState.ACTIVE,
            min_score=min_score,
            search=search or None,
            exposure=exposure if isinstance(exposure, str) else None,
        )

    def apply_now(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        value = self.read()
        if value != self.value:
            self.value = value
            self.post_message(self.Changed(value))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.apply_now)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.apply_now()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.apply_now()
