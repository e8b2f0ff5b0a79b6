"""What a notification list's package holds: notify.csv and notify.xlsx, made in memory and handed to the package
writer, which encrypts them to the recipient's key. `NotifyOutcome` says what happened, without a value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scanner.notify.csv_out import csv_chunks
from scanner.notify.readback import SkippedFile, ValueReader
from scanner.notify.rows import Recipient, notification_rows
from scanner.notify.selection import ChosenPeople
from scanner.notify.template import NoticeTemplate
from scanner.notify.xlsx_out import xlsx_chunks

if TYPE_CHECKING:
    from scanner.handover.package import PackageWriter
    from scanner.scan import Scanner
    from scanner.store.store import Store

CSV_MEMBER = "notify.csv"
XLSX_MEMBER = "notify.xlsx"


@dataclass
class NotifyOutcome:
    """Counts of the list built, and the files whose values were not used (paths as stored: mask to show)."""

    people: int = 0
    reachable: int = 0
    not_found: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)


def notify_producer(
    store: Store, scanner: Callable[[], Scanner], people: ChosenPeople, template: NoticeTemplate,
    recipient: Recipient, outcome: NotifyOutcome,
) -> Callable[[PackageWriter], None]:  # fmt: skip
    """The ``produce`` callback of `DisclosureService.run`: reads the values back, then adds both files.
    ``scanner`` makes the scanner (loading the detector takes seconds: only once the build is under way)."""

    def produce(writer: PackageWriter) -> None:
        back = ValueReader(store, scanner()).read(people.findings)
        rows = notification_rows(back.values, people.categories, template, recipient)
        outcome.people = len(rows)
        outcome.reachable = sum(1 for row in rows if row.reachable)
        outcome.not_found = back.not_found
        outcome.skipped = back.skipped
        info = {"list": "PIPL Art. 22 notification", "people": len(rows), "reachable": outcome.reachable,
                "recipient_company": recipient.company}  # fmt: skip
        writer.add_bytes(CSV_MEMBER, csv_chunks(rows, template.language), {**info, "format": "csv (UTF-8 with BOM)"})
        writer.add_bytes(XLSX_MEMBER, xlsx_chunks(rows, template.language), {**info, "format": "xlsx"})

    return produce
