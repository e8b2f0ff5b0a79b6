"""`custos notify-list propose | build`: the PIPL Art. 22 notification list, as an approved, audited disclosure.

Proposing records who is to be notified (criteria and a digest of the people chosen), the recipient company and
its contact as each person will be told, the notice template (its SHA-256) and the key the list is encrypted to.
It is approved like a handover (`custos handover approve ID`, a second person), and built into an encrypted,
signed package holding notify.csv and notify.xlsx. Nothing printed holds a value read from a file.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.i18n import _
from scanner.i18n.numbers import format_count
from scanner.paths import default_db
from scanner.states import ActionKind, SubjectCategory
from scanner.store.engine import database_argument

BUILT_IN = "built-in"
DEFAULT_LEGAL_BASIS = "PIPL Art. 22: each person is told the recipient's name and contact before the transfer"


class NotifyUsageError(Exception):
    """Shown as one line, exit 2."""


def add_notify_commands(sub: argparse._SubParsersAction) -> None:
    group = sub.add_parser("notify-list", help=_("the PIPL Art. 22 list of people to tell about a transfer"))
    commands = group.add_subparsers(metavar="COMMAND")
    propose = commands.add_parser("propose", help=_("propose a notification list (approved with: handover approve)"))
    who = propose.add_mutually_exclusive_group(required=True)
    who.add_argument("--subject", type=int, action="extend", nargs="+", metavar="ID", help=_("these subjects"))
    who.add_argument("--category", choices=list(SubjectCategory), help=_("every subject holding this category"))
    who.add_argument("--all", action="store_true", help=_("every subject"))
    propose.add_argument("--recipient-company", required=True, metavar="NAME", help=_("who the data transfers to"))
    propose.add_argument("--recipient-contact", required=True, metavar="TEXT", help=_("how people reach the recipient"))
    template_help = _("notice template (default: the built-in notice in the interface language)")
    propose.add_argument("--template", type=Path, metavar="PATH", help=template_help)
    propose.add_argument("--effective-date", type=date.fromisoformat, metavar="YYYY-MM-DD",
                         help=_("when the transfer takes effect (default: today)"))  # fmt: skip
    propose.add_argument("--to-key", type=Path, required=True, metavar="PUB", help=_("public key the list is for"))
    propose.add_argument("--to-name", metavar="NAME", help=_("who holds that key (default: the recipient company)"))
    propose.add_argument("--reason", required=True, help=_("why the list is made (goes on the record)"))
    propose.add_argument("--legal-basis", default=DEFAULT_LEGAL_BASIS, help=_("recorded legal basis"))
    _common(propose)
    propose.set_defaults(handler=_cmd_propose)
    build = commands.add_parser("build", help=_("build an approved notification list into an encrypted package"))
    build.add_argument("id", type=int, help=_("the disclosure id"))
    build.add_argument("--out", type=Path, required=True, metavar="PATH", help=_("the package file to write"))
    build.add_argument("--rules", type=Path, action="append", default=[], metavar="DIR",
                       help=_("extra rule pack folder (the ones the share was scanned with)"))  # fmt: skip
    _common(build)
    build.set_defaults(handler=_cmd_build)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=database_argument,
        default=None,
        help=_("findings database (default {path})").format(path=default_db()),
    )
    parser.add_argument("--as", dest="reviewer", metavar="NAME", help=_("reviewer identity (default $CUSTOS_REVIEWER)"))


def _cmd_propose(args: argparse.Namespace) -> int:
    from scanner.actions.workspace import open_workspace
    from scanner.handover.disclosures import DisclosureService
    from scanner.notify.selection import choose, criteria
    from scanner.subjects.queries import SubjectQueries

    template, template_sha256 = _template(args.template)
    effective = args.effective_date or date.today()
    with _notify_errors(), open_workspace(args.db or default_db()) as ws:
        chosen_by = criteria(subjects=args.subject or (), category=args.category, everyone=args.all)
        people = choose(SubjectQueries(ws.store), chosen_by)
        if not people.findings:
            raise NotifyUsageError(
                _("the selection holds nobody; link subjects first (custos subjects link) or choose others")
            )
        selection = {
            **chosen_by,
            "recipient_company": args.recipient_company.strip(),
            "recipient_contact": args.recipient_contact.strip(),
            "template": template.reference(args.template),
            "template_sha256": template_sha256,
            "effective_date": effective.isoformat(),
            "people": len(people.findings),
            "people_sha256": people.digest,
        }
        disclosure_id = DisclosureService(ws).propose(
            ActionKind.NOTIFY_LIST, recipient=(args.to_name or args.recipient_company).strip(),
            legal_basis=args.legal_basis, reason=args.reason, selection=selection, reviewer=args.reviewer,
            recipient_key=args.to_key,
        )  # fmt: skip
    print(_("proposed notification list {id}: {count} people, {template}").format(
        id=disclosure_id, count=format_count(len(people.findings)), template=safe(template.source)))  # fmt: skip
    print(_("next: a second person approves it (custos handover approve {id}), then custos notify-list build {id} "
            "--out PATH").format(id=disclosure_id))  # fmt: skip
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from scanner.actions.workspace import open_workspace
    from scanner.handover.disclosures import DisclosureService
    from scanner.notify.produce import NotifyOutcome, notify_producer
    from scanner.notify.rows import Recipient
    from scanner.notify.selection import choose
    from scanner.subjects.queries import SubjectQueries

    with _notify_errors(), open_workspace(args.db or default_db(), args.rules) as ws:
        service = DisclosureService(ws)
        disclosure = service.disclosure(args.id)
        if disclosure.kind != ActionKind.NOTIFY_LIST:
            raise NotifyUsageError(
                _("disclosure {id} is a {kind}, not a notification list").format(id=args.id, kind=disclosure.kind)
            )
        selection = disclosure.selection
        stored = selection.get("template", BUILT_IN)
        template, digest = _recorded_template(stored)
        if digest != selection.get("template_sha256"):
            raise NotifyUsageError(
                _("the template {template} changed since the list was proposed; propose it again").format(
                    template=stored
                )
            )
        people = choose(SubjectQueries(ws.store), selection)
        if people.digest != selection.get("people_sha256"):
            raise NotifyUsageError(
                _(
                    "the people chosen by disclosure {id} are no longer the ones approved (the share was scanned or "
                    "subjects linked again since); propose the list again"
                ).format(id=args.id)
            )
        recipient = Recipient(selection["recipient_company"], selection["recipient_contact"],
                              template.date_text(date.fromisoformat(selection["effective_date"])))  # fmt: skip
        outcome = NotifyOutcome()
        produce = notify_producer(ws.store, lambda: ws.scanner, people, template, recipient, outcome)
        key = Path(disclosure.recipient_key) if disclosure.recipient_key else None
        if key is None:
            raise NotifyUsageError(
                _("disclosure {id} has no recipient key; propose it again with --to-key").format(id=args.id)
            )
        manifest = service.run(args.id, produce, recipient_key=key, out=args.out, reviewer=args.reviewer)
    print(_("built notification list {id}: {people} people, {reachable} with a mobile, e-mail or address; {path} "
            "({count} files, manifest {digest})").format(
        id=args.id, people=format_count(outcome.people), reachable=format_count(outcome.reachable),
        path=safe(args.out), count=format_count(manifest.count), digest=manifest.sha256))  # fmt: skip
    for skipped in outcome.skipped:
        print(_("not used: {path}: {reason} ({count} findings)").format(
            path=safe(mask_for_display(skipped.path)), reason=safe(skipped.reason),
            count=format_count(skipped.findings)))  # fmt: skip
    if outcome.not_found:
        print(_("{count} findings were not found again in their files (changed or acted on since)").format(
            count=format_count(outcome.not_found)))  # fmt: skip
    return 0


def _template(path: Path | None):
    from scanner.notify.template import TemplateError, load_template

    try:
        template = load_template(path)
    except TemplateError as exc:
        raise NotifyUsageError(str(exc)) from None
    return template, hashlib.sha256(template.text.encode()).hexdigest()


def _recorded_template(reference: str):
    """The template a proposal recorded: the built-in one in its language, or the file."""
    from scanner.notify.template import TemplateError, recorded_template

    try:
        template = recorded_template(reference)
    except TemplateError as exc:
        raise NotifyUsageError(str(exc)) from None
    return template, hashlib.sha256(template.text.encode()).hexdigest()


@contextmanager
def _notify_errors() -> Iterator[None]:
    """Expected problems of choosing people become one line (exit 2)."""
    from scanner.notify.selection import NotifySelectionError
    from scanner.subjects.queries import UnknownSubject

    try:
        yield
    except (NotifySelectionError, UnknownSubject) as exc:
        raise NotifyUsageError(str(exc)) from None
