"""Recording exposure at scan time: one lstat, one open without following links, one fstat and one ACL read, and
only for a walked file that holds sensitive findings (its own or its archive members'). A file scanned clean
loses its row; an unchanged file that has one is looked at again, since a chmod leaves size and mtime alone."""

from __future__ import annotations

from pathlib import Path

from scanner.exposure.groups import BroadGroups
from scanner.exposure.probe import Exposure, probe
from scanner.store.exposure import SENSITIVE, ExposureStore
from scanner.store.store import NewFinding, Store


class ExposureRecorder:
    """Probes and records the walked files of a scan that hold sensitive data."""

    def __init__(self, store: Store, groups: BroadGroups | None = None) -> None:
        self.store = store
        self.exposure = ExposureStore(store)
        self.groups = groups or BroadGroups()

    def after_scan(self, root: str, rel: str, findings: list[NewFinding]) -> Exposure | None:
        """After a walked file (and its members) was recorded with these findings."""
        file = self.store.file(root, rel)
        if file is None:
            return None
        if not any(f.sensitivity == SENSITIVE for f in findings):
            self.exposure.forget(file.id)
            return None
        return self._probe(file.id, root, rel)

    def after_unchanged(self, file_id: int, root: str, rel: str) -> Exposure | None:
        return self._probe(file_id, root, rel) if self.exposure.has(file_id) else None

    def _probe(self, file_id: int, root: str, rel: str) -> Exposure | None:
        try:
            seen = probe(Path(root) / rel, self.groups)
        except OSError:  # gone, unreadable or a link by now: nothing known is better than something stale
            self.exposure.forget(file_id)
            return None
        self.exposure.record(file_id, seen)
        return seen
