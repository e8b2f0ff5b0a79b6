"""Re-scanning a masked copy before it replaces the original: are any of the masked values still there?"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.rewrite.base import RewriteError
from scanner.extract.base import ExtractionError, TextBlock
from scanner.extract.registry import extractor_for, format_label
from scanner.fingerprint import fingerprint
from scanner.store.actions import FindingRef

if TYPE_CHECKING:  # the scanner loads Presidio: only executing an action needs it
    from scanner.scan import Scanner


def remaining_values(scanner: Scanner, path: Path, key: bytes, masked: Sequence[FindingRef]) -> list[int]:
    """Ids of the ``masked`` findings whose value (same type, same keyed fingerprint) is still detected."""
    wanted = {(f.entity_type, f.fingerprint): f.id for f in masked}
    extractor = extractor_for(path.name, scanner.options.chunk_chars, scanner.options.archive_limits)
    if extractor is None:
        raise RewriteError(f"{path.name}: no extractor to check the masked copy with")
    try:
        blocks = (b for b in extractor.blocks(path) if isinstance(b, TextBlock))
        found = set()
        for item in scanner.chunked.detect(blocks, suffix=format_label(path.name)):
            det = item.detection
            hit = wanted.get((det.entity_type, fingerprint(key, det.entity_type, det.value)))
            if hit is not None:
                found.add(hit)
    except ExtractionError as exc:
        raise RewriteError(f"the masked copy cannot be read back ({exc.status}: {exc.message})") from exc
    return sorted(found)
