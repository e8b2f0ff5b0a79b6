"""Checking a masked copy before it replaces the original: are any of the masked values still there?

The check reads what detecting the copy gave (`ActionDetection.detect_copy`), the same rows that are recorded
once the copy is in place, so the masked file is detected once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.rewrite.base import RewriteError
from scanner.name_mask import NAME_LOCATION
from scanner.states import READ_FILE_STATUSES, FileStatus
from scanner.store.actions import FindingRef

if TYPE_CHECKING:
    from scanner.file_scan import FileOutcome


def remaining_values(detected: FileOutcome, masked: Sequence[FindingRef]) -> list[int]:
    """Ids of the ``masked`` findings whose value (same type, same keyed fingerprint) is still detected in the
    copy's content (its path is the share file's, unchanged by masking: its "name" findings do not count)."""
    *_, own = detected.results
    if own.status == FileStatus.UNSUPPORTED:
        raise RewriteError(f"{Path(own.rel).name}: no extractor to check the masked copy with")
    if own.status not in READ_FILE_STATUSES:
        raise RewriteError(f"the masked copy cannot be read back ({own.status}: {own.error})")
    wanted = {(f.entity_type, f.fingerprint): f.id for f in masked}
    found = set()
    for f in own.findings:
        hit = wanted.get((f.entity_type, f.fingerprint))
        if hit is not None and f.location != NAME_LOCATION:
            found.add(hit)
    return sorted(found)
