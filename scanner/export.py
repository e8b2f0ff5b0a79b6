"""Findings export: JSON Lines exactly as in taxonomy.md (other tools read it), CSV and XLSX with the same columns.

CSV starts with a UTF-8 byte-order mark unless told not to: without one, Excel on a Chinese Windows reads the file
as GBK and shows mojibake. A spreadsheet runs a cell that starts with = + - or @ as a formula, and every text field
here came from a file on the share, so CSV cells starting so are prefixed with a single quote (OWASP's advice
against CSV injection) and XLSX cells are stored as text (`scanner.export_xlsx`); JSON Lines is left exact.

Paths and locations are exact by default, as taxonomy.md defines them: other tools join the export to the files
(and the corpus scorer to its truth). An export is created 0600 like the database, which holds the same paths.
`--mask-paths` exports them as the CLI shows them instead, the personal data found in a name masked
(`scanner.name_mask`) and name-shaped text starred (`scanner.display_mask`), for an export handed to people.
`member` (an extra) tells a real file named "a.zip:b.csv" from the member b.csv of a.zip, whose `path` is the same.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TextIO

from scanner.display import safe
from scanner.display_mask import mask_for_display
from scanner.name_mask import mask_path
from scanner.states import FindingState
from scanner.store.store import FindingRow, Store

COLUMNS = ("path", "entity_type", "start", "end", "location", "score", "preview", "sensitivity", "rule")
EXTRA_COLUMNS = ("pack", "flags", "fingerprint", "root", "member")


def exported_findings(store: Store, *, root: str | None = None, masked: bool = False) -> Iterator[FindingRow]:
    """What an export writes: exact paths and locations, or (``masked``) as `shown_findings` shows them."""
    return shown_findings(store, root=root) if masked else store.findings(root=root)


def shown_findings(store: Store, *, root: str | None = None, state: str = FindingState.ACTIVE) -> Iterator[FindingRow]:
    """Stored findings with each path (and member path) masked where the scan found personal data in it, and
    every path and location through the display mask."""
    spans = store.name_spans()
    for row in store.findings(root=root, state=state):
        found = spans.get(row.file_id, ())
        path = mask_path(row.path, found)
        location = mask_for_display(row.location)  # a cell location names its sheet: 张三!B7 → 张*!B7
        if not row.member:
            yield replace(row, path=path, location=location)
            continue
        archive = mask_path(row.path[: len(row.path) - len(row.member) - 1], found)  # its spans lie before ':'
        yield replace(row, path=path, location=location, member=path[len(archive) + 1 :])


def finding_record(row: FindingRow) -> dict[str, object]:
    """The export object of one finding: the required fields first, then Custos's extras.

    Text that came from a file (path, location, preview, root) is escaped by `scanner.display.safe`: an export is
    read on terminals and in spreadsheets, and a name that is not UTF-8 could not be written otherwise."""
    return {
        "path": safe(row.path),
        "entity_type": row.entity_type,
        "start": row.start,
        "end": row.end,
        "location": safe(row.location),
        "score": row.score,
        "preview": safe(row.preview),
        "sensitivity": row.sensitivity,
        "rule": row.rule,
        "pack": row.pack,
        "flags": list(row.flags),
        "fingerprint": row.fingerprint,
        "root": safe(row.root),
        "member": safe(row.member) if row.member else None,
    }


def write_jsonl(rows: Iterable[FindingRow], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(finding_record(row), ensure_ascii=False) + "\n")
        count += 1
    return count


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a spreadsheet shows it and never runs it: a leading single quote before a formula's start."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def table_record(row: FindingRow) -> dict[str, object]:
    """One finding's cells for a table (CSV, XLSX): `finding_record` with the flags joined by commas."""
    record = finding_record(row)
    record["flags"] = ",".join(row.flags)
    return record


def write_csv(rows: Iterable[FindingRow], out: TextIO, *, bom: bool = True) -> int:
    if bom:
        out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *EXTRA_COLUMNS], lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        cells = table_record(row)
        writer.writerow({k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in cells.items()})
        count += 1
    return count


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}  # text formats; xlsx is binary (scanner.export_xlsx)
FORMATS = (*WRITERS, "xlsx")
