"""Scanning drawn pictures for real (tests/ocr_fixtures.py) with the scanner's own FileScanner, and scoring the
findings by fingerprint: the values never leave the scanner, but the fingerprint of a drawn number matches."""

from __future__ import annotations

import os
from pathlib import Path

from scanner.classify import Policy
from scanner.detect.engine import Detector
from scanner.discover import FileRef
from scanner.file_scan import FileResult, FileScanner, ScanOptions
from scanner.fingerprint import fingerprint
from scanner.states import DocumentKind
from tests.ocr_fixtures import Scan
from tests.ocr_scoring import PERSON, RESIDENT_ID, Tally

KEY = b"k" * 32
_KIND_OF_PREVIEW = {
    "居民身份证(正面)": DocumentKind.RESIDENT_ID_FRONT,
    "居民身份证(背面)": DocumentKind.RESIDENT_ID_BACK,
    "银行卡": DocumentKind.BANK_CARD,
}


def file_scanner(detector: Detector, *, ocr: bool = True) -> FileScanner:
    return FileScanner(detector, key=KEY, policy=Policy(), options=ScanOptions(ocr=ocr))


def scan_file(scanner: FileScanner, path: Path) -> FileResult:
    """The file's own row (members' rows dropped) from a real scan of `path`."""
    st = os.stat(path)
    ref = FileRef(path, path.name, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
    return scanner.scan(ref).results[-1]


def score(scanner: FileScanner, scans: list[Scan], folder: Path, tally: Tally) -> Tally:
    """Save each scan (jpg with its EXIF tag when it has one, else png), scan it, and add it to `tally`."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, item in enumerate(scans):
        path = item.save(folder / f"{i:03d}.{'jpg' if item.exif_orientation or i % 2 else 'png'}")
        result = scan_file(scanner, path)
        found = _values(result, item)
        kinds = [_KIND_OF_PREVIEW[f.preview] for f in result.findings if f.preview in _KIND_OF_PREVIEW]
        tally.add(item.label, item.truth, "", found, kinds[0] if kinds else None)
    return tally


def _values(result: FileResult, item: Scan) -> list[tuple[str, str]]:
    """(entity type, value) for the findings whose fingerprint is a drawn value's; others as '?' (wrong)."""
    known = {}
    for entity, value in ((RESIDENT_ID, item.truth.resident_id), (PERSON, item.truth.name)):
        if value:
            known[fingerprint(KEY, entity, value)] = value
    return [(f.entity_type, known.get(f.fingerprint, f"?{n}")) for n, f in enumerate(result.findings)]
