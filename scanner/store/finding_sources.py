"""Where the findings of a selection were scanned: the finding's fingerprint and the walked file holding it
(the notification list reads values back from there).

A finding in an archive member is read back from its archive: the walked file (member '') is what is opened and
checked unchanged, and its extraction yields the member's detections too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scanner.states import CURRENT_FINDING_STATES
from scanner.store.store import Store, joined_path

_CHUNK = 500  # ids per query: far below SQLite's bound-parameter limit


@dataclass(frozen=True)
class FindingSource:
    """One current finding and the walked file it is read back from (with that file's scanned size, mtime, hash)."""

    finding_id: int
    entity_type: str
    fingerprint: str
    rule_id: str
    root: str
    rel_path: str
    member: str
    file_size: int | None
    file_mtime_ns: int | None
    file_sha256: str | None

    @property
    def export_path(self) -> str:
        return joined_path(self.rel_path, self.member)

    @property
    def key(self) -> tuple[str, str]:
        """What a detection must match: the entity type and the keyed fingerprint."""
        return self.entity_type, self.fingerprint


def finding_sources(store: Store, finding_ids: Iterable[int]) -> list[FindingSource]:
    """The current findings among ``finding_ids`` with their walked files; others (masked, deleted …) are left out:
    their values are no longer where they were found."""
    ids = sorted(set(finding_ids))
    states = tuple(str(s) for s in CURRENT_FINDING_STATES)
    sql = (
        "SELECT f.id, f.entity_type, f.fingerprint, f.rule_id, fi.root, fi.rel_path, fi.member,"
        " w.size, w.mtime_ns, w.sha256"
        " FROM findings f JOIN files fi ON fi.id = f.file_id"
        " LEFT JOIN files w ON w.root = fi.root AND w.rel_path = fi.rel_path AND w.host = fi.host AND w.member = ''"
        f" WHERE f.state IN ({', '.join('?' * len(states))}) AND f.id IN ({{marks}})"
    )
    found: list[FindingSource] = []
    for at in range(0, len(ids), _CHUNK):
        part = ids[at : at + _CHUNK]
        rows = store.connection.execute(sql.format(marks=", ".join("?" * len(part))), [*states, *part])
        found.extend(FindingSource(*row) for row in rows)
    return found
