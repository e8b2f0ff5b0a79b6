"""Proposing an action on findings or whole files: what will be proposed, who must approve it, and why.

The findings screen pushes `ProposeScreen(kind, finding_ids, file_ids)`; it dismisses with the ids of the
actions it created (one per file), or None if nothing was proposed. Refusals are shown inline, not raised.
"""

from __future__ import annotations

import re
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker, WorkerState

from scanner.actions.audit import Actor
from scanner.display import safe
from scanner.i18n import N_, _, ngettext
from scanner.review.plans import ProposalPlan, Proposed, Target
from scanner.review.records import FindingFilter
from scanner.states import WHOLE_FILE_KINDS, ActionKind
from tui.translated import TranslatedScreen
from tui.vocabulary import term

NEEDS_REASON = (ActionKind.FALSE_POSITIVE, ActionKind.RETAIN)

SHOWN_FILES = 8
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_retain_until(text: str, today: date) -> date:
    """A YYYY-MM-DD date after ``today``; ValueError with a message for the form otherwise."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError
        until = date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("retain until: enter a date as YYYY-MM-DD, e.g. 2056-12-31")) from None
    if until <= today:
        raise ValueError(_("retain until: {date} is not in the future").format(date=until))
    return until


def describe_hidden(targets: list[Target]) -> str:
    """The targets the reviewer cannot see under the current filter, each named: '' when there are none."""
    hidden = [t for t in targets if t.hidden]
    if not hidden:
        return ""
    count = sum(t.hidden for t in hidden)
    lines = [ngettext("⚠ {count} of the selected findings is hidden by the current filter (search, type, file…) "
                      "and will be proposed too:",
                      "⚠ {count} of the selected findings are hidden by the current filter (search, type, file…) "
                      "and will be proposed too:", count).format(count=count)]  # fmt: skip
    lines += [_("  {path}: {count} hidden").format(path=safe(t.rel_path), count=t.hidden) for t in hidden[:SHOWN_FILES]]
    if len(hidden) > SHOWN_FILES:
        lines.append(_("  … and {count} more files").format(count=len(hidden) - SHOWN_FILES))
    lines.append(_("Cancel (Esc) and clear the selection (Esc on the list) to propose only what you see."))
    return "\n".join(lines)


def describe(kind: str, targets: list[Target], needs_second_person: bool) -> Text:
    """The plan in a few lines: kind, scope, files (escaped), and whether a second person must approve."""
    if not targets:
        return Text(_("Nothing to propose: no such findings."))
    findings, files = sum(t.findings for t in targets), len(targets)
    if kind in WHOLE_FILE_KINDS:
        scope = ngettext(
            "{files} file as a whole ({findings} findings)", "{files} files as a whole ({findings} findings)", files
        ).format(files=files, findings=findings)
    elif files == 1:
        scope = ngettext("{findings} finding in 1 file", "{findings} findings in 1 file", findings).format(
            findings=findings
        )
    else:
        scope = ngettext("{findings} finding in {files} files", "{findings} findings in {files} files",
                         findings).format(findings=findings, files=files)  # fmt: skip
    name = term(kind).replace("_", " ")
    lines = [_("{kind}: {scope}").format(kind=name, scope=scope)]
    for target in targets[:SHOWN_FILES]:
        extra = "" if target.kind == kind else f" → {term(target.kind).replace('_', ' ')}"
        lines.append(f"  {safe(target.rel_path)} ({target.findings}){extra}")
    if len(targets) > SHOWN_FILES:
        lines.append(_("  … and {count} more files").format(count=len(targets) - SHOWN_FILES))
    lines.append(
        _("Needs a second person: someone other than you must approve it.")
        if needs_second_person
        else _("No second person needed: you may approve it yourself.")
    )
    text = Text("\n".join(lines))
    text.stylize("bold", 0, len(name))  # the kind, at the start of the first line
    return text


class ProposeScreen(TranslatedScreen, ModalScreen[list[int] | None]):
    """Asks for a reason (and a date for retain), then proposes one action per file."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="propose.cancel", tooltip=N_("Close without proposing"))]

    class PlanLoaded(Message):
        def __init__(self, plan: ProposalPlan) -> None:
            super().__init__()
            self.targets, self.needs_second_person = plan.targets, plan.needs_second_person

    class ProposalsMade(Message):
        def __init__(self, proposed: Proposed) -> None:
            super().__init__()
            self.created, self.done, self.errors = proposed.created, proposed.done, proposed.errors

    def __init__(self, kind: str, finding_ids: list[int], file_ids: list[int],
                 seen_through: FindingFilter | None = None) -> None:  # fmt: skip
        super().__init__()
        self.kind = kind
        self.seen_through = seen_through
        self.finding_ids = list(finding_ids)
        self.file_ids = list(file_ids)
        self._targets: list[Target] = []
        self._created: list[int] = []

    def compose(self) -> ComposeResult:
        needs_reason = self.kind in NEEDS_REASON
        with Vertical(id="propose-dialog"):
            yield Label(_("Propose: {kind}").format(kind=term(self.kind).replace("_", " ")), id="propose-title")
            yield Static("", id="propose-hidden", markup=False)
            yield Static(_("Loading…"), id="propose-plan")
            yield Label(_("Reason (required)") if needs_reason else _("Reason (optional)"))
            yield Input(placeholder=_("why this action"), id="propose-reason")
            if self.kind == ActionKind.RETAIN:
                yield Label(_("Retain until (required)"))
                yield Input(placeholder="YYYY-MM-DD", id="propose-until", max_length=10)
            yield Static("", id="propose-errors", markup=False)
            with Horizontal(id="propose-buttons"):
                yield Button(_("Cancel"), id="propose-cancel")
                yield Button(_("Propose"), variant="primary", id="propose-ok", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#propose-reason", Input).focus()
        self.query_one("#propose-hidden").display = False
        self._load_plan(self.kind, self.finding_ids, self.file_ids, self.seen_through)

    @work(thread=True, group="propose", exclusive=True, exit_on_error=False)
    def _load_plan(self, kind: str, finding_ids: list[int], file_ids: list[int],
                   seen_through: FindingFilter | None) -> None:  # fmt: skip
        self.post_message(self.PlanLoaded(self.app.review.plan(kind, finding_ids, file_ids, seen_through)))

    def on_propose_screen_plan_loaded(self, event: PlanLoaded) -> None:
        self._targets = event.targets
        self.query_one("#propose-plan", Static).update(describe(self.kind, event.targets, event.needs_second_person))
        hidden = describe_hidden(event.targets)
        self.query_one("#propose-hidden", Static).update(hidden)
        self.query_one("#propose-hidden").display = bool(hidden)
        self.query_one("#propose-ok", Button).disabled = not event.targets

    @on(Input.Submitted)
    @on(Button.Pressed, "#propose-ok")
    def submit(self) -> None:
        reason = self.query_one("#propose-reason", Input).value.strip() or None
        try:
            if self.kind in NEEDS_REASON and not reason:
                raise ValueError(_("a {kind} needs a reason: say why").format(kind=term(self.kind).replace("_", " ")))
            until = None
            if self.kind == ActionKind.RETAIN:
                until = parse_retain_until(self.query_one("#propose-until", Input).value.strip(), date.today())
        except ValueError as exc:
            self._show_errors([str(exc)])
            return
        if not self._targets:
            return
        self._show_errors([])
        self.query_one("#propose-ok", Button).disabled = True
        self._propose(self.app.actor, self._targets, reason, until)

    @work(thread=True, group="propose", exclusive=True, exit_on_error=False)
    def _propose(self, actor: Actor, targets: list[Target], reason: str | None, until: date | None) -> None:
        self.post_message(self.ProposalsMade(self.app.review.propose(targets, reason, until, actor)))

    def on_propose_screen_proposals_made(self, event: ProposalsMade) -> None:
        self._created += event.created
        if not event.errors:
            self.dismiss(self._created)
            return
        self._targets = [t for t in self._targets if t not in event.done]  # a retry proposes only what failed
        refused = _("proposed {created} action(s); {refused} refused:") if self._created else _("{refused} refused:")
        self._show_errors([refused.format(created=len(self._created), refused=len(event.errors)), *event.errors])
        self.query_one("#propose-ok", Button).disabled = not self._targets

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self._show_errors([_("unexpected error: {error}").format(error=safe(event.worker.error))])

    def _show_errors(self, errors: list[str]) -> None:
        self.query_one("#propose-errors", Static).update("\n".join(errors))

    @on(Button.Pressed, "#propose-cancel")
    def action_cancel(self) -> None:
        self.dismiss(self._created or None)
