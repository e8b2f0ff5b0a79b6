"""What executing an action needs from detection, and nothing more: the executor never holds a `Scanner`.

`ActionDetection` is that interface: fingerprint a value, mask a value as its rule says, detect a private copy of
a share file as if it were that file, and record a file again. `ScannerDetection` provides it over the
workspace's scanner, built on first use (the detector takes seconds to load; most commands never need it).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scanner.detect.rulepack import MaskStyle
from scanner.discover import FileRef
from scanner.fingerprint import file_sha256, fingerprint
from scanner.mask import mask_value

if TYPE_CHECKING:  # the scanner loads Presidio: only executing an action needs it
    from scanner.file_scan import FileOutcome
    from scanner.scan import Scanner

_NAME_MASK = MaskStyle("name")  # for findings from NER, which have no rule


class ActionDetection(Protocol):
    """Detection as actions see it."""

    def fingerprint(self, entity_type: str, value: str) -> str:
        """The keyed fingerprint a finding of ``value`` records."""
        ...

    def mask(self, rule_id: str, value: str) -> str:
        """``value`` masked as the rule ``rule_id`` says (a finding without a rule: as a name)."""
        ...

    def detect_copy(self, copy: Path, rel: str) -> FileOutcome:
        """Detect ``copy``, a private copy of the share file ``rel``, as that file: the rows a scan would record."""
        ...

    def rescan(self, root: str, rel: str, detected: FileOutcome | None = None) -> None:
        """Record the file ``rel`` of ``root`` afresh as a run of its own; ``detected`` (from `detect_copy` of
        the content now in place) is recorded without detecting again if the file still holds that content."""
        ...


class ScannerDetection:
    """`ActionDetection` over a scanner made by ``build`` when first needed."""

    def __init__(self, build: Callable[[], Scanner]) -> None:
        self._build = build

    @cached_property
    def scanner(self) -> Scanner:
        return self._build()

    def fingerprint(self, entity_type: str, value: str) -> str:
        return fingerprint(self.scanner.key, entity_type, value)

    def mask(self, rule_id: str, value: str) -> str:
        rule = self.scanner.detector.rules.get(rule_id)
        return mask_value(value, rule.mask if rule else _NAME_MASK)

    def detect_copy(self, copy: Path, rel: str) -> FileOutcome:
        st = os.stat(copy)
        ref = FileRef(copy, rel, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
        return self.scanner.files.scan_content(ref, file_sha256(copy))

    def rescan(self, root: str, rel: str, detected: FileOutcome | None = None) -> None:
        self.scanner.rescan_one(root, rel, detected)
