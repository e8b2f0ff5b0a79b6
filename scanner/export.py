"""Findings export: JSON Lines exactly as in taxonomy.md (other tools read it), and CSV with the same columns."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from scanner.display import safe
from scanner.store.store import FindingRow

COLUMNS = ("path", "entity_type", "start", "end", "location", "score", "preview", "sensitivity", "rule")
EXTRA_COLUMNS = ("pack", "flags", "fingerprint", "root")


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
    }


def write_jsonl(rows: Iterable[FindingRow], out: TextIO) -> int:
    count = 0
    for row in rows:
        out.write(json.dumps(finding_record(row), ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(rows: Iterable[FindingRow], out: TextIO) -> int:
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *EXTRA_COLUMNS], lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        record = finding_record(row)
        record["flags"] = ",".join(row.flags)
        writer.writerow(record)
        count += 1
    return count


WRITERS = {"jsonl": write_jsonl, "csv": write_csv}
