"""Paths are per host on a shared PostgreSQL store: two hosts with the same root and path are two files, and a
lookup by path (zone violations, a handover's folder) finds only this host's."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.states import ViolationState, ZoneSeverity
from scanner.store.disclosures import DisclosureStore
from scanner.store.store import Store
from scanner.store.violations import ViolationStore
from scanner.zones.model import Violation

pytestmark = pytest.mark.postgres
ROOT, REL = "/srv/share", "公共/名单.txt"


def _file(store: Store) -> int:
    """The same root and path recorded by this store's host, with one finding."""
    db = store.connection
    run = db.execute(
        "INSERT INTO scan_runs(root, started_at, status, packs, tool_version, host)"
        " VALUES (?, '2026-11-23', 'completed', 'p', 't', ?) RETURNING id",
        (ROOT, store.host),
    ).fetchone()[0]
    file_id = db.execute(
        "INSERT INTO files(root, rel_path, member, status, host) VALUES (?, ?, '', 'scanned', ?) RETURNING id",
        (ROOT, REL, store.host),
    ).fetchone()[0]
    db.execute(
        'INSERT INTO findings(file_id, scan_id, entity_type, start, "end", location, score, rule_id, pack, sensitivity,'
        " preview, fingerprint, state) VALUES (?, ?, 'CN_RESIDENT_ID', 0, 18, 'line 1', 1, 'r', 'p', 'sensitive',"
        " '110***', ?, 'active')",
        (file_id, run, f"{file_id:064x}"),
    )
    return file_id


def test_lookups_by_path_keep_to_this_hosts_file(pg_url: str) -> None:
    with Store(pg_url, host="host-a") as a, Store(pg_url, host="host-b") as b:
        file_a, file_b = _file(a), _file(b)
        violation = Violation("公共盘", "forbid_entities:CN_RESIDENT_ID", ZoneSeverity.HIGH, ("110***",), 1)
        ViolationStore(a).sync(file_a, [violation])

        assert ViolationStore(a).facts(ROOT, REL).file_id == file_a
        assert ViolationStore(b).facts(ROOT, REL).file_id == file_b
        assert ViolationStore(a).has_open(ROOT, REL) and not ViolationStore(b).has_open(ROOT, REL)
        assert ViolationStore(b).resolve_path(ROOT, REL) == 0  # host B's path is not host A's file
        (row,) = ViolationStore(b).violations(state=ViolationState.OPEN)  # a reviewer anywhere sees it, and where
        assert (row.file_id, row.host) == (file_a, "host-a")

        assert [f.id for f in DisclosureStore(a).scanned_files_under(Path(ROOT))] == [file_a]
        assert [f.id for f in DisclosureStore(b).scanned_files_under(Path(ROOT))] == [file_b]
