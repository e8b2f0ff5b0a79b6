"""Every host writing to the store on the dashboard: HostStatusStore, ReviewService.hosts and the TUI's table."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import DataTable

from scanner.review.service import ReviewService
from scanner.states import DaemonState
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.engine import database_argument
from scanner.store.hosts import HostStatusStore
from scanner.store.store import Store
from tests.engines import BOTH_ENGINES_SLOW_ON_POSTGRESQL, is_postgresql
from tests.tui_fixtures import TEST_HOST, build_share, scan_into, settle
from tui.app import ReviewApp

pytestmark = pytest.mark.anyio


def beat(db: str, host: str | None, *, state: str = DaemonState.RUNNING, age_s: float = 0, files: int = 30,
         up_s: float = 60, errors: int = 0, queued: int = 0) -> None:  # fmt: skip
    """``host``'s daemon reports, ``age_s`` ago, ``files`` scanned in ``up_s`` seconds; ``queued`` jobs of its own."""
    now = time.time() - age_s
    with Store(db, host=host) as store:
        HostStatusStore(store).beat_daemon(pid=100, state=state, started_at=now - up_s, now=now, files_done=files,
                                           errors=errors, queue_depth=queued)  # fmt: skip
        for n in range(queued):
            store.connection.execute(
                "INSERT INTO work_queue(root, rel_path, reason, enqueued_at, not_before, host) VALUES (?,?,?,?,?,?)",
                ("/srv", f"f{n}.txt", "created", now, now, store.host),
            )


@pytest.mark.postgres
def test_every_host_with_its_liveness_queue_rate_and_errors(pg_url: str) -> None:
    beat(pg_url, "files-1", files=120, up_s=60, queued=2)
    beat(pg_url, "files-2", age_s=3600, errors=4)  # its last heartbeat an hour ago: down
    beat(pg_url, "files-3", state=DaemonState.STOPPED)  # stopped just now: down, however recent
    with Store(pg_url, host="files-4") as store:  # scanned once, no daemon ever ran
        store.begin_run("/srv/old-nas", "packs", "1.0")
    with Store(pg_url, host="reviewer") as store:  # a reviewer's machine: registered, never scans
        hosts = {h.host: h for h in HostStatusStore(store).hosts(time.time(), alive_within_s=15)}
    assert sorted(hosts) == ["files-1", "files-2", "files-3", "files-4"]
    one, two, three, four = (hosts[h] for h in sorted(hosts))
    assert (one.alive, one.queue_depth, one.files_per_s, one.errors, one.state) == (True, 2, 2.0, 0, "running")
    assert (two.alive, two.queue_depth, two.errors) == (False, 0, 4) and time.time() - two.last_seen > 3000
    assert (three.alive, three.state) == (False, "stopped")
    assert (four.alive, four.state, four.last_seen, four.files_per_s) == (False, None, None, None)


def test_a_sqlite_store_is_one_host_and_counts_every_job_as_its_own(tmp_path: Path) -> None:
    db = str(tmp_path / "custos.db")
    beat(db, "files-1", queued=3)
    with Store(db, host="someone-else") as store:  # the id recorded first stays the file's
        [host] = HostStatusStore(store).hosts(time.time(), alive_within_s=15)
    assert (host.host, host.alive, host.queue_depth) == ("files-1", True, 3)


def hosts_table(app: ReviewApp) -> list[tuple[str, ...]]:
    table = app.screen.query_one("#hosts", DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_the_dashboard_lists_every_host(db_url: str, tmp_path: Path, packs, detector) -> None:
    scan_into(database_argument(db_url), build_share(tmp_path), packs, detector)
    beat(db_url, TEST_HOST, files=50, up_s=10, queued=1)
    if is_postgresql(db_url):
        beat(db_url, "branch-2", age_s=600, errors=2)
    db = database_argument(db_url)
    with ReviewService(db, detector=detector) as review:
        assert [h.host for h in review.hosts()] == [*(["branch-2"] if is_postgresql(db_url) else []), TEST_HOST]
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        rows = {row[0]: row[1:] for row in hosts_table(app)}
        assert rows[TEST_HOST][:4] == ("yes", "1", "5.0", "0")
        if is_postgresql(db_url):
            assert rows["branch-2"] == ("NO", "0", "0.5", "2", "10m")
        beat(db_url, TEST_HOST, state=DaemonState.STOPPED)
        await pilot.press("r")
        await settle(pilot)
        assert {row[0]: row[1] for row in hosts_table(app)}[TEST_HOST] == "NO"


@pytest.mark.postgres
def test_each_host_has_its_own_daemon_status_row_on_postgresql(pg_url: str) -> None:
    for host, pid in (("files-1", 11), ("files-2", 22)):
        with Store(pg_url, host=host) as store:
            DaemonStatusStore(store).update(state=DaemonState.RUNNING, pid=pid, heartbeat_at=time.time())
    for host, pid in (("files-1", 11), ("files-2", 22)):
        with Store(pg_url, host=host) as store:  # `custos status` on that host
            assert DaemonStatusStore(store).read().pid == pid
