"""`custos propose | approve | cancel | apply | actions | restore | vault | audit | report` — acting on findings."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from scanner.actions.audit import current_actor
from scanner.actions.policy import MIN_VAULT_RETENTION_DAYS, two_person_rule_text
from scanner.actions.service import Proposal, owned_elsewhere
from scanner.actions.workspace import open_workspace
from scanner.cli_report import add_compliance_command
from scanner.detect.entity_types import ENTITY_TYPES
from scanner.display import safe, safe_record
from scanner.fsio import open_private_output
from scanner.i18n import N_, _, ngettext
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count
from scanner.paths import default_db
from scanner.states import (
    ACTION_KINDS,
    ACTION_STATES,
    FINDING_STATES,
    PROPOSABLE_KINDS,
    UNSUCCESSFUL_ACTION_STATES,
    VAULT_KINDS,
    ActionKind,
    ActionState,
    FindingState,
)
from scanner.store.engine import database_argument
from scanner.text_table import Column, render, terminal_width


class ActionUsageError(Exception):
    """Shown as one line, exit 2."""


FINDING_COLUMNS = (Column(N_("id"), right=True), Column(N_("type")), Column(N_("sensitivity")),
                   Column(N_("preview"), max_width=28), Column(N_("location"), max_width=32),
                   Column(N_("path")))  # fmt: skip
ACTION_COLUMNS = (Column(N_("id"), right=True), Column(N_("state")), Column(N_("kind")),
                  Column(N_("findings"), right=True), Column(N_("proposed by"), max_width=20),
                  Column(N_("approved by"), max_width=20), Column(N_("path")))  # fmt: skip


def shown_columns(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """``columns`` with their headers in the interface language (they are marked with N_ at import)."""
    return tuple(dataclasses.replace(c, name=_(c.name)) for c in columns)


def finding_ids(text: str) -> list[int]:
    """``--finding 3`` or ``--finding 3,4,9``: positive ids, checked by argparse."""
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        ids = []
    if not ids or min(ids) < 1:
        raise argparse.ArgumentTypeError(
            _("{text}: give finding ids as numbers, e.g. --finding 12 or 12,13").format(text=repr(text))
        )
    return ids


def add_action_commands(sub: argparse._SubParsersAction) -> None:
    propose = sub.add_parser("propose", help=_("propose an action on findings, a file or a vault item"))
    propose.add_argument("kind", choices=[*PROPOSABLE_KINDS, "default"],
                         help=_("'default': what the action policy proposes"))  # fmt: skip
    propose.add_argument("--finding", type=finding_ids, action="extend", default=[], metavar="ID[,ID…]",
                         help=_("finding ids: repeat it or separate them with commas"))  # fmt: skip
    propose.add_argument("--file", type=Path, help=_("a whole scanned file instead of findings"))
    propose.add_argument("--vault", metavar="ID", help=_("purge, restore: the vault item"))
    propose.add_argument("--expired", action="store_true", help=_("purge: every vault item past its retention"))
    propose.add_argument("--to", type=Path, metavar="DIR", help=_("restore: under this folder, not the original path"))
    propose.add_argument("--overwrite", action="store_true", help=_("restore: may replace an existing file"))
    propose.add_argument("--reason", help=_("justification (retain) or reason (false_positive)"))
    propose.add_argument("--until", type=date.fromisoformat, help=_("retain until YYYY-MM-DD"))
    _common(propose, handler=_cmd_propose)

    approve = sub.add_parser(
        "approve",
        help=_("approve proposed actions (the second person, where policy says so)"),
        description=_("Approve proposed actions. Two-person rule: {rule}").format(rule=two_person_rule_text()),
    )
    approve.add_argument("ids", type=int, nargs="+")
    _common(approve, handler=_cmd_approve)

    cancel = sub.add_parser("cancel", help=_("cancel a proposed or approved action"))
    cancel.add_argument("ids", type=int, nargs="+")
    cancel.add_argument("--reason")
    _common(cancel, handler=_cmd_cancel)

    apply = sub.add_parser("apply", help=_("execute approved actions (all, or the ids given)"))
    apply.add_argument("ids", type=int, nargs="*")
    apply.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    _common(apply, handler=_cmd_apply)

    actions = sub.add_parser("actions", help=_("list actions"))
    actions_sub = actions.add_subparsers(metavar="ACTION")
    listing = actions_sub.add_parser("list", help=_("actions with their state"))
    listing.add_argument("--state", choices=ACTION_STATES, action="append")
    listing.add_argument("--kind", choices=ACTION_KINDS, action="append")
    _common(listing, handler=_cmd_actions_list)
    one = actions_sub.add_parser("show", help=_("one action in full: who, when, what was done, why it failed"))
    one.add_argument("id", type=int)
    _common(one, handler=_cmd_actions_show)

    retry = sub.add_parser(
        "retry",
        help=_("propose failed or stale actions again (the new proposals need approval as usual)"),
        description=_(
            "Propose a failed or stale action again: a new proposal of the same kind on the same target (a stale "
            "action's rescanned findings with the same values), made by you, linked to the old one, that needs "
            "approval like any other. Two-person rule: {rule}"
        ).format(rule=two_person_rule_text()),
    )
    retry.add_argument("ids", type=int, nargs="+")
    _common(retry, handler=_cmd_retry)

    findings = sub.add_parser("findings", help=_("list findings with their ids, to propose actions on"))
    findings.add_argument("--path", help=_("only files whose path contains this"))
    findings.add_argument("--type", dest="entity_type", choices=sorted(ENTITY_TYPES), metavar="TYPE",
                          help=_("only this entity type, e.g. CN_MOBILE"))  # fmt: skip
    findings.add_argument("--state", default=FindingState.ACTIVE, choices=FINDING_STATES, help=_("default: active"))
    _common(findings, handler=_cmd_findings)

    restore = sub.add_parser(
        "restore",
        help=_("put a vault item back, as its approved restore proposal says"),
        description=_(
            "Execute the approved restore of a vault item (custos propose restore --vault ID [--to DIR] "
            "[--overwrite], then approve). Two-person rule: {rule}"
        ).format(rule=two_person_rule_text()),
    )
    restore.add_argument("vault_id")
    _common(restore, handler=_cmd_restore)

    vault = sub.add_parser("vault", help=_("list or purge vault items"))
    vault_sub = vault.add_subparsers(metavar="ACTION")
    vault_list = vault_sub.add_parser("list", help=_("vault items"))
    _common(vault_list, handler=_cmd_vault_list)
    purge = vault_sub.add_parser(
        "purge",
        help=_("crypto-shred vault items whose purge was approved (their key is destroyed first)"),
        description=_(
            "Execute approved purge proposals (custos propose purge --vault ID, or --expired). A vault item is kept "
            "at least {days} days (the site policy can say longer). Two-person rule: {rule}"
        ).format(days=MIN_VAULT_RETENTION_DAYS, rule=two_person_rule_text()),
    )
    purge.add_argument("ids", nargs="*", help=_("vault item ids (default: every approved purge)"))
    purge.add_argument("--yes", action="store_true")
    _common(purge, handler=_cmd_vault_purge)

    audit = sub.add_parser("audit", help=_("verify or show the audit log"))
    audit_sub = audit.add_subparsers(metavar="ACTION")
    verify = audit_sub.add_parser("verify", help=_("check every record's hash chain and signature"))
    verify.add_argument("--public-key", type=Path, help=_("the .pub file to verify with (default: beside the key)"))
    _common(verify, handler=_cmd_audit_verify)
    show = audit_sub.add_parser("show", help=_("audit records, filtered"))
    show.add_argument("--since", type=_datetime)
    show.add_argument("--until", type=_datetime)
    show.add_argument("--event")
    show.add_argument("--actor")
    show.add_argument("--target", help=_("only records whose target contains this"))
    _common(show, handler=_cmd_audit_show)

    report = sub.add_parser("report", help=_("reports for regulators and buyers"))
    report_sub = report.add_subparsers(metavar="REPORT")
    destruction = report_sub.add_parser("destruction", help=_("the destruction record (销毁记录)"))
    destruction.add_argument("--since", type=_datetime)
    destruction.add_argument("--until", type=_datetime)
    destruction.add_argument("--format", choices=["md", "html"], default="md")
    destruction.add_argument("--output", type=Path)
    destruction.add_argument("--tz", type=_zone, metavar="ZONE",
                             help=_("local timezone shown beside UTC, e.g. Asia/Shanghai (default: the site policy's "
                                    "[report] time_zone, else Asia/Shanghai)"))  # fmt: skip
    _common(destruction, handler=_cmd_report_destruction)
    add_compliance_command(report_sub)


def _common(parser: argparse.ArgumentParser, handler) -> None:
    parser.add_argument(
        "--db",
        type=database_argument,
        default=None,
        help=_("findings database (default {path})").format(path=default_db()),
    )
    parser.add_argument("--as", dest="reviewer", metavar="NAME", help=_("reviewer identity (default $CUSTOS_REVIEWER)"))
    parser.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR", help=_("extra rule packs"))
    parser.set_defaults(handler=handler)


def _workspace(args: argparse.Namespace):
    db = args.db or default_db()
    if not db.exists():
        raise ActionUsageError(_("{db}: no findings database yet; run 'custos scan' first").format(db=db))
    return open_workspace(db, args.rules)


def _cmd_propose(args: argparse.Namespace) -> int:
    if args.kind in VAULT_KINDS:
        return _propose_vault_actions(args)
    if bool(args.finding) == bool(args.file):
        raise ActionUsageError(_("name findings with --finding ID (repeatable) or one --file PATH"))
    proposal = Proposal(
        args.kind, finding_ids=tuple(args.finding), path=args.file, reason=args.reason, retain_until=args.until
    )
    with _workspace(args) as ws:
        action_id = ws.service.propose(proposal, current_actor(args.reviewer))
        action = ws.actions.action(action_id)
    count = len(action.finding_ids)
    line = ngettext("proposed action {id}: {kind} {path}, {count} finding",
                    "proposed action {id}: {kind} {path}, {count} findings", count)  # fmt: skip
    print(line.format(id=action_id, kind=action.kind, path=safe(action.shown_path), count=format_count(count))
          + _second(action))  # fmt: skip
    return 0


def _propose_vault_actions(args: argparse.Namespace) -> int:
    if args.finding or args.file:
        raise ActionUsageError(
            _("{kind} acts on a vault item: name it with --vault ID, not findings or a file").format(kind=args.kind)
        )
    if args.expired and args.kind != ActionKind.PURGE:
        raise ActionUsageError(_("--expired goes with purge"))
    if bool(args.vault) == bool(args.expired):
        raise ActionUsageError(
            _("name one vault item with --vault ID or use --expired")
            if args.kind == ActionKind.PURGE
            else _("name one vault item with --vault ID")
        )
    with _workspace(args) as ws:
        ids = ws.service.vault_actions.expired() if args.expired else [args.vault]
        actor = current_actor(args.reviewer)
        for vault_id in ids:
            proposal = Proposal(args.kind, reason=args.reason, vault_id=vault_id, restore_to=args.to,
                                restore_overwrite=args.overwrite)  # fmt: skip
            action = ws.actions.action(ws.service.propose(proposal, actor))
            line = _("proposed action {id}: {kind} vault item {vault} ({path})").format(
                id=action.id, kind=action.kind, vault=safe(vault_id), path=safe(action.shown_path)
            )
            print(line + _second(action))
    if not ids:
        print(_("nothing to propose: no vault item is past its retention"))
    return 0


def _cmd_approve(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        for action_id in args.ids:
            ws.service.approve(action_id, current_actor(args.reviewer))
            print(_("approved action {id}").format(id=action_id))
    return 0


def _cmd_cancel(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        for action_id in args.ids:
            ws.service.cancel(action_id, current_actor(args.reviewer), args.reason)
            print(_("cancelled action {id}").format(id=action_id))
    return 0


def _cmd_apply(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        here = ws.store.host  # a host executes only the actions on its own files
        pending = (
            [ws.actions.action(i) for i in args.ids]
            if args.ids
            else ws.actions.actions(states=(ActionState.APPROVED,), host=here)
        )
        if elsewhere := [a for a in pending if a.host != here]:
            raise ActionUsageError(owned_elsewhere(elsewhere, here))
        if not pending and not ws.actions.actions(states=(ActionState.EXECUTING,), host=here):
            others = [a for a in ws.actions.actions(states=(ActionState.APPROVED,)) if a.host != here]
            print(
                _("nothing to apply: no approved actions here; {elsewhere}").format(
                    elsewhere=owned_elsewhere(others, here)
                )
                if others
                else _("nothing to apply: no approved actions")
            )
            return 0
        for a in pending:
            count = len(a.finding_ids)
            findings = ngettext("{count} finding", "{count} findings", count).format(count=format_count(count))
            print(f"  {a.id:>5}  {a.kind:<14} {safe(a.shown_path)}  ({findings})")
        prompt = _("apply these {count} actions ({kinds})? type 'apply' to go on: ")
        if not args.yes and not _confirmed(prompt.format(count=len(pending), kinds=_kinds(pending)), "apply"):
            print(_("nothing changed"))
            return 1
        outcomes = ws.service.apply(current_actor(args.reviewer), args.ids or None)
    _print_outcomes(outcomes)
    return 0 if all(o.state == ActionState.EXECUTED for o in outcomes) else 1


def _print_outcomes(outcomes) -> None:
    for o in outcomes:
        print(_("{state:<9} action {id} {kind} {target}: {message}").format(
            state=o.state, id=o.action_id, kind=o.kind, target=safe(o.target), message=safe(o.message)))  # fmt: skip


def _cmd_actions_list(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        rows = ws.actions.actions(states=args.state, kinds=args.kind)
        notes = {a.id: ws.actions.shown_note(a) for a in rows if a.state in UNSUCCESSFUL_ACTION_STATES and a.error}
    cells = [(str(a.id), a.state, a.kind, str(len(a.finding_ids)), safe(a.proposed_by), safe(a.approved_by or "-"),
              safe(a.shown_path)) for a in rows]  # fmt: skip
    lines = list(render(shown_columns(ACTION_COLUMNS), cells, terminal_width(sys.stdout)))  # reviewer names may be CJK
    print(lines[0])
    for a, line in zip(rows, lines[1:], strict=False):
        print(line)
        if a.id in notes:
            print(" " * 7 + _("why: {note}").format(note=safe(notes[a.id])))
    return 0


def _cmd_actions_show(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        action = ws.actions.action(args.id)
        note, retries = ws.actions.shown_note(action), ws.actions.retries_of(action.id)
    for label, value in _action_details(action, note, retries):
        print(f"  {_padded(_(label) + ':', 15)}{safe(value)}" if label else safe(value))
    return 0


def _action_details(action, note: str | None, retries) -> list[tuple[str, str]]:
    """What `actions show` prints, as (label, value) lines; "" labels a line of its own."""

    def who(name, os_user, at) -> str:
        if os_user and os_user != name:
            return _("{name} (OS user {os_user}) at {at}").format(name=name, os_user=os_user, at=at)
        return _("{name} at {at}").format(name=name, at=at)

    lines = [("", _("action {id}: {kind}, {state}").format(id=action.id, kind=action.kind, state=action.state)),
             (N_("path"), action.shown_path)]  # fmt: skip
    if action.finding_ids:
        ids = ", ".join(map(str, action.finding_ids))
        lines.append((N_("findings"), _("{count} (ids {ids})").format(count=len(action.finding_ids), ids=ids)))
    optional = [(N_("vault item"), action.vault_id), (N_("restore under"), action.restore_to),
                (N_("reason"), action.reason), (N_("retain until"), action.retain_until),
                (N_("method"), action.method)]  # fmt: skip
    lines += [(label, value) for label, value in optional if value]
    two_person = _("yes: the proposer cannot approve it") if action.needs_second_person else _("no")
    lines.append((N_("two-person"), two_person))
    lines.append((N_("proposed by"), who(action.proposed_by, action.proposed_os_user, action.proposed_at)))
    if action.approved_by:
        lines.append((N_("approved by"), who(action.approved_by, action.approved_os_user, action.approved_at)))
    if action.executed_by:
        lines.append((N_("executed by"), who(action.executed_by, None, action.executed_at)))
    if note:
        lines.append((N_("why") if action.state in UNSUCCESSFUL_ACTION_STATES else N_("note"), note))
    if action.retry_of is not None:
        lines.append((N_("retry of"), _("action {id}").format(id=action.retry_of)))
    lines += [(N_("retried as"), _("action {id} ({state})").format(id=r.id, state=r.state)) for r in retries]
    if action.state in UNSUCCESSFUL_ACTION_STATES and not retries:
        lines.append(
            ("", _("to try again: custos retry {id} (a new proposal, approved as usual)").format(id=action.id))
        )
    return lines


def _padded(label: str, width: int) -> str:
    """``label`` padded to ``width`` terminal cells (a Chinese character takes two)."""
    from rich.cells import cell_len

    return label + " " * max(1, width - cell_len(label))


def _second(action) -> str:
    return _(" (needs a second person to approve)") if action.needs_second_person else ""


def _cmd_retry(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        actor = current_actor(args.reviewer)
        for old_id in args.ids:
            action = ws.actions.action(ws.service.retry(old_id, actor))
            if action.vault_id:
                line = _("proposed action {id}: {kind} vault item {vault} ({path}), retrying action {old}").format(
                    id=action.id, kind=action.kind, vault=safe(action.vault_id), path=safe(action.shown_path),
                    old=old_id)  # fmt: skip
            else:
                count = len(action.finding_ids)
                line = ngettext("proposed action {id}: {kind} {path}, {count} finding, retrying action {old}",
                                "proposed action {id}: {kind} {path}, {count} findings, retrying action {old}",
                                count).format(id=action.id, kind=action.kind, path=safe(action.shown_path),
                                              count=format_count(count), old=old_id)  # fmt: skip
            print(line + _second(action))
    print(_("approve (custos approve ID), then apply (custos apply ID) as for any proposal"))
    return 0


def _cmd_findings(args: argparse.Namespace) -> int:
    from scanner.export import shown_findings

    with _workspace(args) as ws:
        rows = [
            (
                str(f.id),
                entity_name(f.entity_type),
                sensitivity_name(f.sensitivity),
                safe(f.preview),
                safe(f.location),
                safe(f.path),
            )
            for f in shown_findings(ws.store, state=args.state)
            if (not args.path or args.path in f.path) and args.entity_type in (None, f.entity_type)
        ]
    for line in render(shown_columns(FINDING_COLUMNS), rows, terminal_width(sys.stdout)):
        print(line)
    return 0


def _cmd_restore(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        [action_id] = _approved_vault_actions(ws, ActionKind.RESTORE, [args.vault_id])
        [outcome] = ws.service.apply(current_actor(args.reviewer), [action_id])
    if outcome.state != ActionState.EXECUTED:
        print(_("{state} action {id}: restore of vault item {vault}: {message}").format(
            state=outcome.state, id=action_id, vault=safe(args.vault_id), message=safe(outcome.message)))  # fmt: skip
        return 1
    done = _("restored vault item {vault} to {target} (action {id}): {message}")
    print(done.format(vault=safe(args.vault_id), target=safe(outcome.target), id=action_id,
                      message=safe(outcome.message)))  # fmt: skip
    return 0


def _approved_vault_actions(ws, kind: str, vault_ids: list[str]) -> list[int]:
    """The approved ``kind`` action of each vault item (every approved one if none are named)."""
    approved = {a.vault_id: a.id for a in ws.actions.actions(states=(ActionState.APPROVED,), kinds=(kind,))}
    if not vault_ids:
        return list(approved.values())
    missing = [v for v in vault_ids if v not in approved]
    if missing:
        raise ActionUsageError(
            _(
                "no approved {kind} for vault item {items}: propose it (custos propose {kind} --vault ID) and have it "
                "approved first"
            ).format(kind=kind, items=", ".join(missing))
        )
    return [approved[v] for v in vault_ids]


def _cmd_vault_list(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        items = ws.vault_items()
    columns = (Column(_("id")), Column(_("stored at")), Column(_("size"), right=True), Column(_("state")),
               Column(_("original path")))  # fmt: skip
    rows = [(item.id, item.stored_at, format_count(item.size), _("purged") if item.purged else _("kept"),
             safe(item.display_path)) for item in items]  # fmt: skip
    for line in render(columns, rows, terminal_width(sys.stdout)):
        print(line)
    return 0


def _cmd_vault_purge(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        action_ids = _approved_vault_actions(ws, ActionKind.PURGE, list(args.ids))
        if not action_ids:
            print(_("nothing to purge: no approved purge (custos propose purge --vault ID, then approve)"))
            return 0
        count = len(action_ids)
        prompt = _("crypto-shred {count} vault items for good? type 'purge': ").format(count=count)
        if not args.yes and not _confirmed(prompt, "purge"):
            print(_("nothing purged"))
            return 1
        outcomes = ws.service.apply(current_actor(args.reviewer), action_ids)
    _print_outcomes(outcomes)
    return 0 if all(o.state == ActionState.EXECUTED for o in outcomes) else 1


def _cmd_audit_verify(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        result = ws.audit.verify(args.public_key)
    if result.ok:
        print(_("audit log OK: {count} records, chain and signatures verified, and every record the database "
                "remembers is there").format(count=format_count(result.records)))  # fmt: skip
        if result.warning:
            print(_("warning: {warning}").format(warning=safe(result.warning)))
        return 0
    if result.first_bad is not None:
        print(_("audit log BROKEN at record {record}: {reason}").format(record=result.first_bad,
                                                                       reason=safe(result.reason)))  # fmt: skip
    else:
        print(_("audit log BROKEN: {reason}").format(reason=safe(result.reason)))
    return 1


def _cmd_audit_show(args: argparse.Namespace) -> int:
    import json

    with _workspace(args) as ws:
        for record in ws.audit.records(
            since=args.since, until=args.until, event=args.event, actor=args.actor, target_contains=args.target
        ):
            print(json.dumps(safe_record(record), ensure_ascii=False))
    return 0


def _cmd_report_destruction(args: argparse.Namespace) -> int:
    from scanner.actions.destruction import destruction_report

    with _workspace(args) as ws:
        text = destruction_report(ws, since=args.since, until=args.until, fmt=args.format,
                                  public_key=ws.audit.public_key_path, zone=args.tz)  # fmt: skip
    if args.output:
        with open_private_output(args.output) as out:
            out.write(text)
        print(_("custos: destruction record written to {path}").format(path=safe(args.output)), file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _kinds(actions) -> str:
    """What the confirmation is about, by kind: "1 delete, 2 mask"."""
    counts = Counter(a.kind for a in actions)
    return _(", ").join(_("{count} {kind}").format(count=n, kind=kind) for kind, n in sorted(counts.items()))


def _confirmed(prompt: str, word: str) -> bool:
    if not sys.stdin.isatty():
        raise ActionUsageError(_("no terminal to confirm on: pass --yes to confirm non-interactively"))
    return input(prompt).strip() == word


def _zone(name: str):
    from scanner.local_time import TimeZoneError, time_zone

    try:
        return time_zone(name)
    except TimeZoneError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
