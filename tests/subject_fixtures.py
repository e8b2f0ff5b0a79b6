"""Real-looking customer exports for the data-subject tests: valid resident IDs and phones, CSV, xlsx, JSON."""

from __future__ import annotations

import json
from pathlib import Path

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(birth: str, sequence: int, area: str = "110101") -> str:
    """A resident ID that passes the GB 11643 check: area code, birth date (YYYYMMDD), sequence, check digit."""
    body = f"{area}{birth}{sequence:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def write_json(path: Path, records: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
