"""Action plans: what proposing would create (one target per file), and which approved actions an apply would
execute. Built from the workspace the review service holds; nothing here changes the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from scanner.actions.service import Proposal, owned_elsewhere
from scanner.actions.workspace import Workspace
from scanner.i18n import _
from scanner.name_mask import mask_path
from scanner.states import WHOLE_FILE_KINDS, ActionState
from scanner.store.actions import ActionRow, ActionStateError, ActionStore
from scanner.store.review import FindingFilter, ReviewQueries


@dataclass(frozen=True)
class Target:
    """One proposal to make: a file and either some of its findings or, with no finding ids, all of them."""

    kind: str
    path: Path
    rel_path: str
    finding_ids: tuple[int, ...]  # empty: the whole file
    findings: int
    hidden: int = 0  # selected findings of it that the findings screen's filter hides
    file_id: int | None = None  # the whole file is named by id: it may be another host's

    def proposal(self, reason: str | None, retain_until: date | None) -> Proposal:
        if self.finding_ids:
            return Proposal(self.kind, finding_ids=self.finding_ids, reason=reason, retain_until=retain_until)
        if self.file_id is not None:
            return Proposal(self.kind, file_id=self.file_id, reason=reason, retain_until=retain_until)
        return Proposal(self.kind, path=self.path, reason=reason, retain_until=retain_until)


@dataclass(frozen=True)
class ProposalPlan:
    """The targets of a proposal and whether any of them needs a second person to approve it (site policy)."""

    targets: list[Target]
    needs_second_person: bool


@dataclass(frozen=True)
class Proposed:
    """What proposing a plan did: the action ids created, the targets they cover, and one line per refusal."""

    created: list[int]
    done: list[Target]
    errors: list[str]


def plan_targets(ws: Workspace, kind: str, finding_ids: list[int], file_ids: list[int],
                 seen_through: FindingFilter | None = None) -> list[Target]:  # fmt: skip
    """Group the findings by file; a file named in ``file_ids`` (or a file-level kind) means the whole file.
    With ``seen_through`` (the filter the reviewer selected under), each target counts what that filter hides."""
    hidden_findings: set[int] = set()
    hidden_files: set[int] = set()
    if seen_through is not None:
        found, files = ReviewQueries(ws.store).hidden_by(seen_through, finding_ids, file_ids)
        hidden_findings, hidden_files = set(found), set(files)
    by_file: dict[int, list] = defaultdict(list)
    for finding in ws.actions.findings(finding_ids):
        by_file[finding.file_id].append(finding)
    targets, whole_files = [], set(file_ids)
    for file_id in dict.fromkeys([*file_ids, *by_file]):
        file = ws.actions.file_by_id(file_id)
        whole = file_id in whole_files or kind in WHOLE_FILE_KINDS
        findings = ws.actions.active_findings_of(file_id) if whole else by_file[file_id]
        chosen = ws.service.default_kind(findings) if kind == "default" and findings else kind
        ids = () if whole else tuple(f.id for f in findings)
        shown = mask_path(file.export_path, ws.actions.name_spans(file_id))  # what the plan shows, masked
        hidden = len(findings) if file_id in hidden_files else sum(f.id in hidden_findings for f in by_file[file_id])
        targets.append(Target(chosen, Path(file.root) / file.rel_path, shown, ids, len(findings), hidden, file_id))
    return targets


def apply_plan(actions: ActionStore, action_ids: list[int] | None) -> tuple[list[ActionRow], list[str]]:
    """The approved actions among ``action_ids`` (all approved ones if None) that this host executes, and why the
    others are left out (another host's file: only that host executes it)."""
    here = actions.store.host
    if action_ids is None:
        approved = actions.actions(states=(ActionState.APPROVED,))
        elsewhere = [a for a in approved if a.host != here]
        return [a for a in approved if a.host == here], [owned_elsewhere(elsewhere, here)] if elsewhere else []
    rows, skipped = [], []
    for action_id in action_ids:
        try:
            rows.append(actions.action(action_id))
        except ActionStateError as exc:
            skipped.append(str(exc))
    skipped += [_("action {id} is {state}, not approved: skipped").format(id=a.id, state=a.state)
                for a in rows if a.state != ActionState.APPROVED]  # fmt: skip
    approved = [a for a in rows if a.state == ActionState.APPROVED]
    skipped += [owned_elsewhere([a], here) for a in approved if a.host != here]
    return [a for a in approved if a.host == here], skipped
