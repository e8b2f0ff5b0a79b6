"""One row per person to notify: name, contact channels, categories held, and the notice text.

`notification_rows` joins what was read back (values, in memory) with what the store knows of each subject (its
categories) and renders the template; the writers (`csv_out`, `xlsx_out`) turn the rows into bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scanner.i18n import CHINESE, N_
from scanner.notify.contacts import contacts_of
from scanner.notify.labels import category_labels
from scanner.notify.language import words
from scanner.notify.readback import ReadValue
from scanner.notify.template import CATEGORY_SEPARATORS, NoticeTemplate

COLUMNS = (N_("No."), N_("Name"), N_("Mobile"), N_("E-mail"), N_("Postal address"),
           N_("Categories of personal information"), N_("Notice"))  # fmt: skip
VALUE_SEPARATOR = "; "  # several mobiles (e-mails, addresses) of one person in one cell


def header(language: str = CHINESE) -> tuple[str, ...]:
    """The list's column names in ``language`` (the notice's)."""
    catalog = words(language)
    return tuple(catalog.gettext(column) for column in COLUMNS)


@dataclass(frozen=True)
class Recipient:
    """The company the information transfers to, as each person is told (Art. 22), and from when."""

    company: str
    contact: str
    effective_date: str


@dataclass(frozen=True)
class NotifyRow:
    """One person's line of the list; holds plain values, so it lives only in memory."""

    subject_id: int
    name: str
    mobiles: tuple[str, ...]
    emails: tuple[str, ...]
    addresses: tuple[str, ...]
    categories: tuple[str, ...]  # labels in the notice's language
    notice: str
    language: str = CHINESE

    @property
    def reachable(self) -> bool:
        return bool(self.mobiles or self.emails or self.addresses)

    def cells(self) -> tuple[object, ...]:
        """The row as the list's columns (`header`)."""
        return (
            self.subject_id,
            self.name,
            VALUE_SEPARATOR.join(self.mobiles),
            VALUE_SEPARATOR.join(self.emails),
            VALUE_SEPARATOR.join(self.addresses),
            CATEGORY_SEPARATORS.get(self.language, ", ").join(self.categories),
            self.notice,
        )


def notification_rows(
    values: Mapping[int, Sequence[ReadValue]],
    categories: Mapping[int, Sequence[str]],
    template: NoticeTemplate,
    recipient: Recipient,
) -> list[NotifyRow]:
    """A row per subject of ``values`` (subject id order); ``categories``: each subject's categories as stored."""
    rows = []
    for subject_id in sorted(values):
        contacts = contacts_of(values[subject_id])
        labels = category_labels(categories.get(subject_id, ()), template.language)
        notice = template.render(
            name=contacts.name, recipient_company=recipient.company, recipient_contact=recipient.contact,
            categories=labels, effective_date=recipient.effective_date,
        )  # fmt: skip
        rows.append(
            NotifyRow(
                subject_id,
                contacts.name,
                contacts.mobiles,
                contacts.emails,
                contacts.addresses,
                labels,
                notice,
                template.language,
            )
        )
    return rows
