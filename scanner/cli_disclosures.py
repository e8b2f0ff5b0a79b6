"""`custos handover propose | approve | cancel | build | verified | delete-local | mark | unmark` and
`custos disclosures` — the seller's side of a handover, through the approval flow and the audit log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scanner.actions.policy import two_person_rule_text
from scanner.cli_actions import _common, _workspace, shown_columns
from scanner.display import safe
from scanner.i18n import N_, _
from scanner.i18n.numbers import format_count
from scanner.states import DISCLOSURE_KINDS, DISCLOSURE_STATES, ActionKind
from scanner.text_table import Column, render, terminal_width

DISCLOSURE_COLUMNS = (
    Column(N_("id"), right=True), Column(N_("state")), Column(N_("kind")), Column(N_("files"), right=True),
    Column(N_("bytes"), right=True), Column(N_("recipient"), max_width=24), Column(N_("proposed by"), max_width=16),
    Column(N_("approved by"), max_width=16), Column(N_("verified by"), max_width=16), Column(N_("manifest")),
)  # fmt: skip


class DisclosureUsageError(Exception):
    """Shown as one line, exit 2."""


def add_seller_commands(commands: argparse._SubParsersAction) -> None:
    """The seller's commands, joining `custos handover` (whose buyer-side commands are in cli_handover)."""
    propose = commands.add_parser(
        "propose",
        help=_("propose handing files to a recipient (needs a second person to approve)"),
        description=_(
            "Propose a handover: the files chosen now (by folder, data subject or transfer mark) are frozen as "
            "scanned; the package is built only after approval, encrypted to this recipient key."
        ),
    )
    propose.add_argument("--to-name", required=True, metavar="NAME", help=_("the receiving company, for the record"))
    propose.add_argument("--recipient-key", type=Path, required=True, metavar="PUB",
                         help=_("the recipient's public key (custos handover keygen)"))  # fmt: skip
    propose.add_argument(
        "--legal-basis", required=True, metavar="TEXT", help=_("e.g. 'PIPL Art. 22: sale of business'")
    )
    propose.add_argument("--reason", required=True, metavar="TEXT")
    chosen = propose.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--folder", type=Path, help=_("every scanned file under this folder"))
    chosen.add_argument("--subject", type=int, action="append", metavar="ID",
                        help=_("the files holding this data subject (repeatable; see custos subjects)"))  # fmt: skip
    chosen.add_argument("--marked", action="store_true", help=_("the files marked with custos handover mark"))
    _common(propose, handler=_cmd_propose)

    approve = commands.add_parser(
        "approve",
        help=_("approve proposed disclosures (handover, notification list)"),
        description=_("Approve disclosures. Two-person rule: {rule}").format(rule=two_person_rule_text()),
    )
    approve.add_argument("ids", type=int, nargs="+")
    _common(approve, handler=_cmd_approve)

    cancel = commands.add_parser("cancel", help=_("cancel a disclosure not yet built"))
    cancel.add_argument("ids", type=int, nargs="+")
    cancel.add_argument("--reason")
    _common(cancel, handler=_cmd_cancel)

    build = commands.add_parser("build", help=_("build the encrypted, signed package of an approved handover"))
    build.add_argument("id", type=int)
    build.add_argument("--out", type=Path, required=True, metavar="PATH", help=_("the package file to create"))
    build.add_argument("--recipient-key", type=Path, metavar="PUB", help=_("default: the key given at proposal"))
    _common(build, handler=_cmd_build)

    verified = commands.add_parser(
        "verified", help=_("record the recipient's verification of a built package"),
        description=_("The recipient runs `custos handover verify PACKAGE --sender-key PUB --key PRIV --json` and "
                      "sends back what it printed; it must show success and the manifest hash recorded at build."),
    )  # fmt: skip
    verified.add_argument("id", type=int)
    verified.add_argument("--by", required=True, metavar="NAME", help=_("who verified it at the recipient"))
    verified.add_argument("--receipt", type=Path, required=True, metavar="FILE", help=_("the JSON the recipient sent"))
    _common(verified, handler=_cmd_verified)

    delete = commands.add_parser(
        "delete-local", help=_("propose deleting the local copies of a verified handover (approved as any delete)")
    )
    delete.add_argument("id", type=int)
    _common(delete, handler=_cmd_delete_local)

    marks = (("mark", False, _("mark scanned files for transfer (custos handover propose --marked)")),
             ("unmark", True, _("unmark scanned files for transfer (custos handover propose --marked)")))  # fmt: skip
    for name, unmark, text in marks:
        marking = commands.add_parser(name, help=text)
        marking.add_argument("paths", type=Path, nargs="+", metavar="PATH")
        marking.set_defaults(unmark=unmark)
        _common(marking, handler=_cmd_mark)


def add_disclosures_command(sub: argparse._SubParsersAction) -> None:
    disclosures = sub.add_parser("disclosures", help=_("list disclosures: handovers and notification lists"))
    disclosures.add_argument("what", nargs="?", choices=["list"], default="list")
    disclosures.add_argument("--state", choices=DISCLOSURE_STATES, action="append")
    disclosures.add_argument("--kind", choices=DISCLOSURE_KINDS, action="append")
    _common(disclosures, handler=_cmd_list)


def _service(ws):
    from scanner.handover.disclosures import DisclosureService

    return DisclosureService(ws)


def _cmd_propose(args: argparse.Namespace) -> int:
    selection = {"folder": str(args.folder)} if args.folder else {"subjects": args.subject} if args.subject else {}
    selection = selection or {"marked": True}
    with _workspace(args) as ws:
        service = _service(ws)
        disclosure_id = service.propose(ActionKind.HANDOVER, recipient=args.to_name, legal_basis=args.legal_basis,
                                        reason=args.reason, selection=selection, reviewer=args.reviewer,
                                        recipient_key=args.recipient_key)  # fmt: skip
        files = service.store.files_of(disclosure_id)
        left_out = service.store.left_out_under(args.folder.resolve()) if args.folder else {}
    size = sum(f.size or 0 for f in files)
    print(_("proposed disclosure {id}: handover of {count} files ({size} bytes) to {recipient}; a second person "
            "approves it: custos handover approve {id}").format(id=disclosure_id, count=format_count(len(files)),
                                                                size=format_count(size),
                                                                recipient=safe(args.to_name)))  # fmt: skip
    if left_out:
        counts = _(", ").join(_("{count} {status}").format(count=n, status=status) for status, n in left_out.items())
        print(_("left out (not scanned as they are now): {counts}").format(counts=counts))
    return 0


def _cmd_approve(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        for disclosure_id in args.ids:
            _service(ws).approve(disclosure_id, reviewer=args.reviewer)
            print(_("approved disclosure {id}").format(id=disclosure_id))
    return 0


def _cmd_cancel(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        for disclosure_id in args.ids:
            _service(ws).cancel(disclosure_id, reviewer=args.reviewer, reason=args.reason)
            print(_("cancelled disclosure {id}").format(id=disclosure_id))
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        manifest = _service(ws).build_handover(args.id, out=args.out, recipient_key=args.recipient_key,
                                               reviewer=args.reviewer)  # fmt: skip
        sender_key = ws.audit.public_key_path
    print(_("built disclosure {id}: {path}, {count} files, {size} bytes").format(
        id=args.id, path=safe(args.out), count=format_count(manifest.count),
        size=format_count(manifest.total_bytes)))  # fmt: skip
    print(_("manifest sha256 {digest}").format(digest=manifest.sha256))
    print(_("send the package and the sender key {key}; the recipient runs: custos handover verify PACKAGE "
            "--sender-key PUB --key PRIV --json > receipt.json, and sends the receipt back for custos handover "
            "verified {id} --by NAME --receipt receipt.json").format(key=safe(sender_key), id=args.id))  # fmt: skip
    return 0


def _cmd_verified(args: argparse.Namespace) -> int:
    try:
        receipt = json.loads(args.receipt.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DisclosureUsageError(
            _("{path}: cannot read the receipt ({error})").format(path=args.receipt, error=exc.strerror)
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DisclosureUsageError(
            _("{path}: the receipt is not JSON ({error})").format(path=args.receipt, error=exc)
        ) from None
    with _workspace(args) as ws:
        service = _service(ws)
        service.record_verified(args.id, verified_by=args.by, receipt=receipt, reviewer=args.reviewer)
        row = service.disclosure(args.id)
    print(_("recorded: disclosure {id} verified by {name}, manifest sha256 {digest}").format(
        id=args.id, name=safe(args.by), digest=row.manifest_sha256))  # fmt: skip
    return 0


def _cmd_delete_local(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        done = _service(ws).propose_local_deletion(args.id, reviewer=args.reviewer)
    for item in done:
        if item.action_id is not None:
            print(_("proposed action {id}: delete {path}").format(id=item.action_id, path=safe(item.file.shown_path)))
        else:
            print(_("not proposed: {path}: {why}").format(path=safe(item.file.shown_path), why=safe(item.refused)))
    proposed = [str(d.action_id) for d in done if d.action_id is not None]
    if proposed:
        print(
            _("approve with custos approve {ids} (a second person), then custos apply").format(ids=" ".join(proposed))
        )
    return 0 if len(proposed) == len(done) else 1


def _cmd_mark(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        changed = _service(ws).mark(args.paths, reviewer=args.reviewer, unmark=args.unmark)
    each = _("unmarked: {path}") if args.unmark else _("marked for transfer: {path}")
    for shown in changed:
        print(each.format(path=safe(shown)))
    total = (
        _("{count} files unmarked ({already} already were)")
        if args.unmark
        else _("{count} files marked for transfer ({already} already were)")
    )
    print(total.format(count=len(changed), already=len(args.paths) - len(changed)))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    with _workspace(args) as ws:
        rows = _service(ws).store.disclosures(states=args.state, kinds=args.kind)
    cells = [(str(d.id), d.state, d.kind, _or_dash(d.file_count), _or_dash(d.total_bytes), safe(d.recipient),
              safe(d.proposed_by), safe(d.approved_by or "-"), safe(d.verified_by or "-"),
              d.manifest_sha256[:16] + "…" if d.manifest_sha256 else "-") for d in rows]  # fmt: skip
    for line in render(shown_columns(DISCLOSURE_COLUMNS), cells, terminal_width(sys.stdout)):
        print(line)
    return 0


def _or_dash(value: int | None) -> str:
    return "-" if value is None else str(value)
