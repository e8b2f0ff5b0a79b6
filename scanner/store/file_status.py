"""What a file's status says about it: the one definition of "not inspected" that every surface counts by.

A file is inspected when its status is `scanned` or `ocr_done` (read completely, OCR included); `gone`,
`quarantined` and `deleted` files are no longer on the share to inspect. Every other status — unreadable, encrypted,
damaged, too large, a format this version cannot read (`unsupported`), a walk problem — means personal data may sit
in it unseen, so the scan summary, `custos status`, the export and the review UI all count it as "not inspected"
through this module, never on their own.
"""

from __future__ import annotations

from scanner.i18n import ngettext
from scanner.i18n.numbers import format_count
from scanner.states import READ_FILE_STATUSES, RETIRED_FILE_STATUSES, sql_list

# A WHERE condition on `files` (no parameters): the rows of files that were not inspected.
NOT_INSPECTED_SQL = f"status NOT IN {sql_list(RETIRED_FILE_STATUSES | READ_FILE_STATUSES)}"


def not_inspected(status: str) -> bool:
    """True when a file with this status may hold personal data nobody has read."""
    return status not in READ_FILE_STATUSES and status not in RETIRED_FILE_STATUSES


def not_inspected_line(counts: dict[str, int]) -> str:
    """For people: "3 files (unsupported ×2, encrypted ×1)", from `Store.not_inspected_counts`."""
    total = sum(counts.values())
    reasons = ", ".join(f"{status} ×{n}" for status, n in counts.items())
    files = ngettext("{count} file", "{count} files", total).format(count=format_count(total))
    return files + (f" ({reasons})" if reasons else "")
