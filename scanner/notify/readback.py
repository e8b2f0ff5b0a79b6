"""Reading the values of selected findings again, from the files as they are now, into memory only.

The store keeps masked previews and keyed fingerprints, never a value. At export time each walked file holding a
selected finding is opened beneath its root without following a link, checked to be the scanned file (size,
mtime, SHA-256 through the descriptor, as actions check), extracted and detected again by the scanner, and the
detections whose (entity type, fingerprint) equal a selected finding's give its value, re-validated by the
rule's validator. A changed, gone or unsafe file is reported and nothing of it is used.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scanner.actions.beneath import ShareFile, UnsafeTarget, open_share_file
from scanner.detect.normalize import to_ascii_view
from scanner.detect.stream import LocatedDetection
from scanner.detect.validators import VALIDATORS, Verdict
from scanner.discover import FileRef
from scanner.file_scan import FileScanner
from scanner.i18n import _
from scanner.states import READ_FILE_STATUSES
from scanner.store.finding_sources import FindingSource, finding_sources
from scanner.store.store import NewFinding, Store

if TYPE_CHECKING:
    from scanner.scan import Scanner

Key = tuple[str, str]  # (entity type, fingerprint)


@dataclass(frozen=True)
class ReadValue:
    """A value read back for a person; lives only in memory."""

    entity_type: str
    value: str


@dataclass(frozen=True)
class SkippedFile:
    """A file whose values were not used, and why. ``path`` came from the share: mask and escape it to show it."""

    path: str
    reason: str
    findings: int


@dataclass
class ReadBack:
    """Values per subject (in the order found), files skipped, and findings whose value was not found again."""

    values: dict[int, list[ReadValue]] = field(default_factory=dict)
    skipped: list[SkippedFile] = field(default_factory=list)
    not_found: int = 0


class ChangedSinceScan(Exception):
    """The file is not the one that was scanned."""


class _CapturingScanner(FileScanner):
    """A `FileScanner` that also keeps the plain values of the detections it is asked for (``wanted``)."""

    def __init__(self, scanner: Scanner, wanted: set[Key]) -> None:
        super().__init__(scanner.detector, key=scanner.key, policy=scanner.policy, options=scanner.options,
                         today=scanner.today)  # fmt: skip
        self.wanted = wanted
        self.values: dict[Key, list[tuple[str, str]]] = defaultdict(list)  # key -> [(value, rule id)]

    def findings(self, located: Iterable[LocatedDetection]) -> Iterator[NewFinding]:
        for item in located:
            for finding in super().findings((item,)):
                key = (finding.entity_type, finding.fingerprint)
                if key in self.wanted:
                    self.values[key].append((item.detection.value, finding.rule_id))
                yield finding


class ValueReader:
    """Reads back the values of findings, grouped per subject, with the scanner's own detector and key."""

    def __init__(self, store: Store, scanner: Scanner) -> None:
        self.store = store
        self.scanner = scanner

    def read(self, selection: Mapping[int, Sequence[int]]) -> ReadBack:
        """``selection``: subject id -> its finding ids. Each walked file is read once for all subjects."""
        owners: dict[int, int] = {}
        for subject_id, ids in selection.items():
            for finding_id in ids:
                owners.setdefault(finding_id, subject_id)
        by_file: dict[tuple[str, str], list[FindingSource]] = defaultdict(list)
        for source in finding_sources(self.store, owners):
            by_file[(source.root, source.rel_path)].append(source)
        result = ReadBack(values={subject_id: [] for subject_id in selection})
        for (root, rel_path), sources in sorted(by_file.items()):
            try:
                found = self._values_in(root, rel_path, sources)
            except ChangedSinceScan as exc:
                result.skipped.append(SkippedFile(rel_path, str(exc), len(sources)))
                continue
            for source in sources:
                value = found.get(source.key)
                if value is None:
                    result.not_found += 1
                else:
                    result.values[owners[source.finding_id]].append(ReadValue(source.entity_type, value))
        result.not_found += sum(len(ids) for ids in selection.values()) - sum(len(s) for s in by_file.values())
        return result

    def _values_in(self, root: str, rel_path: str, sources: list[FindingSource]) -> dict[Key, str]:
        """The first valid value of each wanted key detected in the file (checked unchanged before and after)."""
        scanned = sources[0]
        wanted = {source.key for source in sources}
        capture = _CapturingScanner(self.scanner, wanted)
        try:
            with open_share_file(Path(root), rel_path) as share_file:
                _require_scanned(share_file, scanned)
                with _readable_path(share_file) as path:
                    st = share_file.stat()
                    ref = FileRef(path, rel_path, st.st_size, st.st_mtime_ns, st.st_dev, st.st_ino)
                    outcome = capture.scan_content(ref, scanned.file_sha256 or "")
                _require_scanned(share_file, scanned)
        except FileNotFoundError:
            raise ChangedSinceScan(_("gone since it was scanned")) from None
        except UnsafeTarget as exc:
            raise ChangedSinceScan(str(exc)) from None
        except OSError as exc:
            raise ChangedSinceScan(_("cannot be read ({error})").format(error=exc.strerror or exc)) from None
        own = outcome.results[-1]
        if own.status not in READ_FILE_STATUSES:
            raise ChangedSinceScan(_("could not be read again ({status})").format(status=own.status))
        return {key: value for key, value in self._valid(capture.values).items() if key in wanted}

    def _valid(self, captured: Mapping[Key, list[tuple[str, str]]]) -> dict[Key, str]:
        """Per key, the first value its rule's validator still accepts (a name from NER has no validator)."""
        valid: dict[Key, str] = {}
        for key, candidates in captured.items():
            for value, rule_id in candidates:
                rule = self.scanner.detector.rules.get(rule_id)
                validate = VALIDATORS[rule.validator] if rule else None
                if validate is None or validate(to_ascii_view(value), today=self.scanner.today) is not Verdict.INVALID:
                    valid[key] = value
                    break
        return valid


def _require_scanned(share_file: ShareFile, scanned: FindingSource) -> None:
    st = share_file.stat()
    if (st.st_size, st.st_mtime_ns) != (scanned.file_size, scanned.file_mtime_ns):
        raise ChangedSinceScan("changed since it was scanned (size or modification time); scan it again")
    if share_file.sha256() != scanned.file_sha256:
        raise ChangedSinceScan("changed since it was scanned (content hash); scan it again")
    share_file.require_same_name()


@contextmanager
def _readable_path(share_file: ShareFile) -> Iterator[Path]:
    """A path the extractors can open that is the already opened and checked file, not its name on the share
    (which could be swapped meanwhile): its descriptor under /proc. Without /proc, the name, checked again after."""
    proc = Path(f"/proc/self/fd/{share_file.fd}")
    if os.path.exists(proc):
        yield proc
    else:  # pragma: no cover - non-Linux
        yield share_file.path
