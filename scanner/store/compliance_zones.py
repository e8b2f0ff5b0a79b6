"""Read queries for the compliance report's policy sections: zone violations (`zone_violations`) and who can
read the files with sensitive findings (`file_exposure`). A database made before those tables existed answers
"not recorded" (None), never an error; paths are masked as everywhere else."""

from __future__ import annotations

from scanner.states import ExposureLevel, ViolationState
from scanner.store.compliance import ComplianceQueries
from scanner.store.exposure import ExposureStore
from scanner.store.store import Store

OPEN = ViolationState.OPEN


class PolicyQueries:
    """Zone violations and exposure as the report counts them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._db = store.connection
        self._paths = ComplianceQueries(store)

    def zone_counts(self) -> list[tuple[str, str, int, int]] | None:
        """(zone, severity, open, resolved) per zone and severity; None without a zone_violations table."""
        if not self._paths.has_table("zone_violations"):
            return None
        rows = self._db.execute(
            "SELECT zone, severity, SUM(CASE WHEN state = ? THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN state != ? THEN 1 ELSE 0 END) FROM zone_violations"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
            (OPEN, OPEN),
        )
        return [(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in rows]

    def open_violations(self, limit: int) -> list[tuple[str, str, str, str, str]]:
        """(zone, severity, rule, masked path, first seen) of open violations, most severe first."""
        if not self._paths.has_table("zone_violations"):
            return []
        rows = self._db.execute(
            "SELECT v.zone, v.severity, v.rule, fi.id, fi.root, fi.rel_path, fi.member, v.first_seen"
            " FROM zone_violations v JOIN files fi ON fi.id = v.file_id WHERE v.state = ?"
            " ORDER BY CASE v.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,"
            " v.first_seen, v.id LIMIT ?",
            (OPEN, limit),
        ).fetchall()
        shown = self._paths.shown_paths([(r[3], r[4], r[5], r[6]) for r in rows])
        return [(r[0], r[1], r[2], shown[r[3]], r[7]) for r in rows]

    def exposure_levels(self) -> dict[str, int] | None:
        """Files on the share holding sensitive findings now, by who can read them (`ExposureStore.counts`, as
        `custos exposure` counts them); None if the database records no exposure."""
        if not self._paths.has_table("file_exposure"):
            return None
        return ExposureStore(self._store).counts()

    def readable_by_all(self, limit: int) -> list[str]:
        """Masked paths of files holding sensitive findings that every user may read, the first ``limit``."""
        if not self._paths.has_table("file_exposure"):
            return []
        rows = ExposureStore(self._store).exposed(at_least=ExposureLevel.ALL)[:limit]
        shown = self._paths.shown_paths([(r.file_id, r.root, r.rel_path, "") for r in rows])
        return [shown[r.file_id] for r in rows]
