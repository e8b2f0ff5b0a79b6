"""The review UI's one way in to the findings database, the vault and the audit log: `ReviewService`.

Opened once per app. It opens the workspace (rule packs, site policy, keys, detector) exactly once, on a thread
of its own, and runs every command (plan, propose, approve, cancel, apply) there, one at a time: SQLite has one
writer anyway, and the workspace's connection stays on the thread that opened it. Reads run on the calling
thread (a Textual thread worker) through a short-lived connection of that thread, so in WAL mode they never
wait for a command or for each other. Every method may be called from any thread but the service's own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from scanner.actions.audit import Actor, VerifyResult
from scanner.actions.audit_keys import AuditError
from scanner.actions.execute import Outcome
from scanner.actions.policy import ActionPolicy, PolicyError
from scanner.actions.service import ActionError
from scanner.actions.workspace import Workspace, open_workspace
from scanner.display import safe
from scanner.review.dashboard import DashboardView, read_dashboard, read_hosts
from scanner.review.detail import Detail, read_detail
from scanner.review.pages import Page, read_page
from scanner.review.plans import ProposalPlan, Proposed, Target, apply_plan, plan_targets
from scanner.review.subjects import SubjectList, SubjectSummary, read_subject, read_subject_findings, read_subjects
from scanner.review.violations import ViolationList, read_violations
from scanner.store.actions import ActionRow, ActionStateError, ActionStore
from scanner.store.hosts import HostStatus
from scanner.store.review import FindingFilter, FindingItem, ReviewQueries
from scanner.store.store import Store
from scanner.store.violations import ViolationRow

T = TypeVar("T")
_REFUSALS = (ActionError, ActionStateError)


class Refused(Exception):
    """A command the action rules turned down (two-person rule, decided or applied elsewhere); says why."""


class ReviewService:
    """Reads and commands of the review UI over one database; `close()` (or leaving its `with`) releases it."""

    def __init__(self, db: Path, *, detector: object | None = None) -> None:
        """``detector``: an already loaded Detector to reuse (tests); else one is loaded at the first mask."""
        self.db = db
        self._commands = ThreadPoolExecutor(max_workers=1, thread_name_prefix="custos-review-commands")
        self._stack = ExitStack()
        try:
            self._ws: Workspace = self._command(self._stack.enter_context, open_workspace(db, detector=detector))
        except BaseException:
            self._commands.shutdown()
            raise

    def close(self) -> None:
        """Close the workspace on its own thread, after the command running now (if any) has finished."""
        try:
            self._command(self._stack.close)
        finally:
            self._commands.shutdown()

    def __enter__(self) -> ReviewService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def policy(self) -> ActionPolicy:
        """The action policy as the last command read it: the help and approvals screens describe it."""
        return self._ws.policy

    def _command(self, fn: Callable[..., T], *args: Any) -> T:
        return self._commands.submit(fn, *args).result()

    def _policy_command(self, fn: Callable[..., T], *args: Any) -> T:
        """A command that follows the action policy: the site policy file is read again first, as each CLI
        command reads it, so a rule tightened while the app is open applies from the next command on."""

        def run() -> T:
            try:
                self._ws.reload_policy()
            except PolicyError as exc:
                raise Refused(str(exc)) from None
            return fn(*args)

        return self._command(run)

    @contextmanager
    def _queries(self) -> Iterator[ReviewQueries]:
        with Store(self.db) as store:  # the calling thread's own connection (SQLite's stay on their thread)
            yield ReviewQueries(store)

    # --- reads (any thread) -------------------------------------------------------------------------
    def dashboard(self, now: float | None = None) -> DashboardView:
        with Store(self.db) as store:
            return read_dashboard(store, time.time() if now is None else now)

    def hosts(self, now: float | None = None) -> list[HostStatus]:
        """Every host writing to this store: alive, queue depth, files/s, errors, last seen."""
        with Store(self.db) as store:
            return read_hosts(store, time.time() if now is None else now)

    def page(self, view: str, flt: FindingFilter, sort: str, offset: int | None, size: int, *,
             after: FindingItem | None = None, before: FindingItem | None = None) -> Page:  # fmt: skip
        """The page of ``view`` ("files" or "findings") at ``offset``; None or past the end: the last page. The
        next (previous) page of findings: ``after`` the last row shown (``before`` the first), an index seek."""
        with self._queries() as queries:
            return read_page(queries, view, flt, sort, offset, size, after=after, before=before)

    def hidden_by(self, flt: FindingFilter, finding_ids: list[int], file_ids: list[int]
                  ) -> tuple[list[int], list[int]]:  # fmt: skip
        """Of the selected findings and whole files, those ``flt`` hides."""
        with self._queries() as queries:
            return queries.hidden_by(flt, finding_ids, file_ids)

    def entity_types(self) -> list[str]:
        with self._queries() as queries:
            return queries.entity_types()

    def finding_ids(self, flt: FindingFilter, limit: int) -> list[int]:
        """The ids of the findings ``flt`` matches, in path order, at most ``limit``."""
        with self._queries() as queries:
            return [item.id for item in queries.findings_page(flt, sort="path", limit=limit)]

    def finding(self, finding_id: int) -> FindingItem | None:
        with self._queries() as queries:
            return queries.finding(finding_id)

    def detail(self, finding_id: int) -> Detail | None:
        """The finding, its file, siblings and masked context (reads the file); None when it is gone."""
        with self._queries() as queries:
            return read_detail(queries, finding_id)

    def actions(self, states: tuple[str, ...] | None = None) -> list[ActionRow]:
        with Store(self.db) as store:
            return ActionStore(store).actions(states=states)

    def action(self, action_id: int) -> ActionRow:
        with Store(self.db) as store:
            try:
                return ActionStore(store).action(action_id)
            except ActionStateError as exc:
                raise Refused(str(exc)) from None

    def apply_plan(self, action_ids: list[int] | None) -> tuple[list[ActionRow], list[str]]:
        """The approved actions among ``action_ids`` (all approved ones if None), and why the others are left out."""
        with Store(self.db) as store:
            return apply_plan(ActionStore(store), action_ids)

    def subjects(self, category: str | None = None, minor: bool | None = None) -> SubjectList:
        """The people the findings describe (as last linked), filtered by category and the minor flag."""
        with Store(self.db) as store:
            return read_subjects(store, category=category, minor=minor)

    def subject(self, subject_id: int) -> SubjectSummary | None:
        with Store(self.db) as store:
            return read_subject(store, subject_id)

    def subject_finding_ids(self, subject_id: int) -> list[int]:
        with Store(self.db) as store:
            return read_subject_findings(store, subject_id)

    def violations(self, state: str | None = None, zone: str | None = None) -> list[ViolationRow]:
        """Zone violations, newest first (paths masked in `path`), filtered by state and zone."""
        return self.violation_list(state=state, zone=zone).rows

    def violation_list(self, state: str | None = None, zone: str | None = None, severity: str | None = None
                       ) -> ViolationList:  # fmt: skip
        """`violations` filtered by severity too, with every zone name (the screen's zone filter)."""
        with Store(self.db) as store:
            return read_violations(store, state=state, zone=zone, severity=severity)

    def verify_audit(self) -> VerifyResult:
        """The audit log's chain and signatures checked against the database (reads open their own connections)."""
        try:
            return self._ws.audit.verify()
        except AuditError as exc:  # e.g. the public key is missing: nothing can be checked
            return VerifyResult(ok=False, records=0, reason=str(exc))

    def audit_records(self) -> Iterator[dict[str, Any]]:
        """The audit log's records, oldest first, streamed from the file."""
        return self._ws.audit.records()

    # --- commands (one at a time, on the service's thread) ------------------------------------------
    def plan(self, kind: str, finding_ids: list[int], file_ids: list[int],
             seen_through: FindingFilter | None = None) -> ProposalPlan:  # fmt: skip
        """What proposing ``kind`` on these findings and whole files would create, one target per file."""

        def plan() -> ProposalPlan:
            targets = plan_targets(self._ws, kind, finding_ids, file_ids, seen_through)
            return ProposalPlan(targets, any(self._ws.policy.needs_second_person(t.kind) for t in targets))

        return self._policy_command(plan)

    def propose(self, targets: list[Target], reason: str | None, until: date | None, actor: Actor) -> Proposed:
        """One action per target; a refused target is reported (escaped), the others are still proposed."""

        def propose() -> Proposed:
            created, done, errors = [], [], []
            for target in targets:
                try:
                    created.append(self._ws.service.propose(target.proposal(reason, until), actor))
                    done.append(target)
                except _REFUSALS as exc:
                    errors.append(safe(f"{target.rel_path}: {exc}"))
            return Proposed(created, done, errors)

        return self._policy_command(propose)

    def approve(self, action_id: int, actor: Actor) -> None:
        self._refusable(self._ws.service.approve, action_id, actor)

    def cancel(self, action_id: int, actor: Actor, reason: str | None) -> None:
        self._refusable(self._ws.service.cancel, action_id, actor, reason)

    def apply(self, action_id: int, actor: Actor) -> list[Outcome]:
        """Execute one approved action (after finishing any a crash left executing); each outcome as it ended."""
        # Only ActionError is a refusal here (cancelled or applied elsewhere since the plan was listed); anything
        # else stops the apply, as `custos apply` stops.
        return self._refusable(self._ws.service.apply, actor, [action_id], refusals=(ActionError,))

    def _refusable(self, fn: Callable[..., T], *args: Any, refusals: tuple[type[Exception], ...] = _REFUSALS) -> T:
        try:
            return self._policy_command(fn, *args)
        except refusals as exc:
            raise Refused(str(exc)) from None
