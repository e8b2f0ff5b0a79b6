"""The dashboard, audit and help screens and the command palette, on a real scanned database and the real app."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.command import CommandList
from textual.widgets import DataTable, Input, Static

import scanner.actions.audit as audit_module
import tui.screens.audit as audit_screen
import tui.screens.dashboard as dashboard_module
from scanner.actions.audit import Actor
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.paths import audit_log_path_for
from scanner.store.daemon_status import DaemonStatusStore
from scanner.store.store import Store
from scanner.store.work_queue import WorkQueue
from tests.engines import (
    BOTH_ENGINES_SLOW_ON_POSTGRESQL,
    as_path,
    db_url_sqlite_unless_parametrized,  # noqa: F401 - db_url: SQLite unless marked both
)
from tests.tui_fixtures import TEST_HOST, build_share, bulk_findings, scan_into, settle
from tui.app import ReviewApp
from tui.commands import ReviewCommands
from tui.modals.help import HelpScreen
from tui.screens.audit import SHOW_AT_MOST, AuditScreen, latest_matching
from tui.screens.dashboard import NO_DAEMON, DashboardScreen

pytestmark = pytest.mark.anyio  # async tests run on asyncio (anyio's pytest plugin), as Textual needs
SIZE = (120, 40)
KINDS = ("mask", "quarantine", "delete", "retain", "false positive")
ALICE, BOB = Actor("alice", "alice"), Actor("bob", "bob")


@pytest.fixture
def db(tmp_path: Path, packs, detector, db_url: str, monkeypatch) -> Path:
    monkeypatch.setenv("CUSTOS_HOST_ID", TEST_HOST)  # the app and the test's workspace are the scanning host
    share = build_share(tmp_path)
    (share / "x.xlsx").write_bytes(b"not a zip archive, so not a workbook")
    path = as_path(db_url)
    scan_into(path, share, packs, detector)
    return path


async def palette(pilot, command: str) -> None:
    """Run a command through the palette as a user would: ctrl+p, type it, enter on the top hit."""
    await pilot.press("ctrl+p", *command)
    for _ in range(100):  # the palette searches its providers asynchronously
        await pilot.pause(0.02)
        hits = pilot.app.screen.query_one(CommandList)
        if hits.highlighted is not None and hits.get_option_at_index(hits.highlighted).hit.text.startswith(command):
            break
    await pilot.press("enter")
    await settle(pilot)


def text(app: ReviewApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)


def rows(app: ReviewApp, selector: str) -> list[tuple[str, ...]]:
    table = app.screen.query_one(selector, DataTable)
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


def audit_sample(app: ReviewApp) -> None:
    with open_workspace(app.db) as ws:  # the test's own: the app's workspace stays on the app's command thread
        ws.audit.append("proposed", ALICE, {"action": "mask", "target": "share/客户资料/张伟.txt", "action_id": 1})
        ws.audit.append("approved", BOB, {"action": "mask", "target": "share/客户资料/张伟.txt", "action_id": 1})
        ws.audit.append("executed", BOB, {"action": "mask", "target": "share/客户资料/张伟.txt", "action_id": 1,
                                          "result": "executed", "method": "rewrite"})  # fmt: skip


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_dashboard_shows_totals_problems_and_progress(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        totals = text(app, "#totals")
        assert "15 active findings" in totals and "in 3 of 4 files (1 not inspected)" in totals
        assert "sensitive          3" in totals and "general           12" in totals
        assert rows(app, "#by-type") == [("CN_MOBILE", "4", "3"), ("EMAIL_ADDRESS", "4", "3"), ("PERSON", "4", "3"),
                                         ("CN_RESIDENT_ID", "3", "2")]  # fmt: skip
        assert rows(app, "#by-folder") == [("客户资料", "12"), ("导出", "3")]
        assert rows(app, "#by-state") == [("active", "15")]
        [(path, status, error)] = rows(app, "#problems")
        assert (path, status) == ("x.xlsx", "corrupt") and error.startswith("damaged or truncated Excel")
        assert str(db.parent.parent) not in error  # the path column already says which file
        assert "3 files with findings to decide on" in text(app, "#handover")
        assert app.screen.query_one("#handover-decided").percentage == 0

        share = db.parent.parent / "share"
        with open_workspace(db, detector=detector) as ws:
            masked = ws.service.propose(Proposal("mask", path=share / "导出" / "export.json"), ALICE)
            ws.service.approve(masked, BOB)
            ws.service.apply(BOB, [masked])
            ws.service.propose(Proposal("quarantine", path=share / "客户资料" / "客户名单.csv"), ALICE)
        await pilot.press("r")
        await settle(pilot)
        assert text(app, "#handover-decided-count").split() == ["decided", "2"]
        assert text(app, "#handover-executed-count").split() == ["executed", "1"]
        assert round(app.screen.query_one("#handover-decided").percentage, 2) == 0.67  # of 3 files
        assert ("masked", "3") in rows(app, "#by-state")


@BOTH_ENGINES_SLOW_ON_POSTGRESQL
async def test_daemon_panel_follows_the_heartbeat(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert text(app, "#daemon") == NO_DAEMON
        now = time.time()
        with Store(db) as store:
            DaemonStatusStore(store).update(state="running", heartbeat_at=now, pid=1, files_scanned=12,
                                            files_per_s=3.5, errors=1, last_error="x.xlsx: corrupt")  # fmt: skip
            WorkQueue(store).enqueue(str(db.parent), "new.txt", "created", not_before=now, now=now)
        await pilot.press("r")
        await settle(pilot)
        daemon = text(app, "#daemon")
        assert daemon.startswith("running · state running · pid 1")
        assert "1 queued (1 ready)" in daemon and "3.5 files/s" in daemon and "last: x.xlsx: corrupt" in daemon
        with Store(db) as store:
            DaemonStatusStore(store).update(heartbeat_at=now - 3600)
        await pilot.press("r")
        await settle(pilot)
        assert text(app, "#daemon").startswith("NOT RUNNING · state running")


@pytest.mark.slow
async def test_dashboard_on_100k_findings(tmp_path: Path, detector) -> None:
    db = tmp_path / "custos.db"
    bulk_findings(db, 100_000)
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert text(app, "#totals").startswith("100,000 active findings\nin 2,000 of 2,000 files")
        assert len(rows(app, "#by-folder")) == 15 and rows(app, "#by-folder")[0][1] == "5,000"


@pytest.mark.slow  # seconds each; the default run stays under 5 min
async def test_audit_screen_verifies_lists_filters_and_detects_tampering(db: Path, detector, monkeypatch) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        assert text(app, "#audit-verify") == "verified: 0 records, chain and signatures intact"
        assert app.screen.query_one("#audit-verify").has_class("verified")
        assert rows(app, "#audit-log") == []

        audit_sample(app)
        await pilot.press("r")
        await settle(pilot)
        assert text(app, "#audit-verify") == "verified: 3 records, chain and signatures intact"
        listed = rows(app, "#audit-log")
        assert [(r[0], r[2], r[3], r[4], r[5]) for r in listed] == [
            ("3", "executed", "bob", "mask", "share/客户资料/张伟.txt"),
            ("2", "approved", "bob", "mask", "share/客户资料/张伟.txt"),
            ("1", "proposed", "alice", "mask", "share/客户资料/张伟.txt"),
        ]
        assert listed[0][6] == "executed · rewrite"
        assert text(app, "#audit-count") == "3 records"

        await pilot.press("slash", *"alice")
        await settle(pilot)
        assert [r[0] for r in rows(app, "#audit-log")] == ["1"]
        assert text(app, "#audit-count") == "1 record matching 'alice'"
        await pilot.press("escape")
        await settle(pilot)
        assert len(rows(app, "#audit-log")) == 3
        monkeypatch.setattr(audit_screen, "SHOW_AT_MOST", 2)
        await pilot.press("r")
        await settle(pilot)
        assert [r[0] for r in rows(app, "#audit-log")] == ["3", "2"]
        assert text(app, "#audit-count") == "latest 2 of 3 records"

        log = audit_log_path_for(db)
        lines = log.read_bytes().splitlines(keepends=True)
        lines[1] = lines[1].replace(b'"reviewer":"bob"', b'"reviewer":"eve"')
        log.write_bytes(b"".join(lines))
        await palette(pilot, "Audit: verify now")
        banner = text(app, "#audit-verify")
        assert banner.startswith("BROKEN at record 2: "), banner
        assert app.screen.query_one("#audit-verify").has_class("broken")


def test_audit_keeps_only_the_latest_matching_records() -> None:
    records = ({"seq": n, "event": "proposed" if n % 2 else "approved"} for n in range(1, 6001))
    kept, matched = latest_matching(records, "approved")
    assert matched == 3000 and len(kept) == SHOW_AT_MOST
    assert kept[0]["seq"] == 6000 and kept[-1]["seq"] == 6000 - 2 * (SHOW_AT_MOST - 1)


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_help_opens_and_closes_and_t_toggles_the_theme(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = "\n".join(str(s.content) for s in app.screen.query(Static))
        assert "never reveals a plain value" in shown and "delete          two people" in shown
        assert "On this screen (DashboardScreen)" in shown and "Refresh — Reload counts" in shown
        assert all(label in shown for label in ("Dashboard", "Findings", "Approvals", "Audit", "Theme", "Quit"))
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark", "question_mark")
        assert isinstance(app.screen, DashboardScreen)

        before = app.theme
        await pilot.press("t")
        assert {before, app.theme} == {"textual-dark", "textual-light"}
        await pilot.press("t")
        assert app.theme == before


@pytest.mark.slow  # over 2 s: the default run keeps to its five minutes
async def test_palette_go_audit(db: Path, detector) -> None:
    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await palette(pilot, "Go: audit")
        assert app.current_mode == "audit" and isinstance(app.screen, AuditScreen)
        assert text(app, "#audit-verify").startswith("verified: 0 records")


@pytest.mark.slow
async def test_palette_offers_screen_commands_only_where_they_run(db: Path, detector) -> None:
    def names() -> list[str]:
        return [name for name, *_ in ReviewCommands(app.screen).commands()]

    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert {"Go: findings", "Theme: toggle dark/light", "Audit: verify now", "Help: keys"} <= set(names())
        assert not any(name.startswith(("Findings:", "Approvals:")) for name in names())  # the dashboard has none
        await pilot.press("f")
        await settle(pilot)
        assert {f"Findings: propose {kind} for selection" for kind in KINDS} <= set(names())
        assert {"Findings: select all in file", "Findings: search"} <= set(names())
        await palette(pilot, "Findings: search")
        assert isinstance(app.focused, Input)
        await palette(pilot, "Go: approvals")
        assert app.current_mode == "approvals"
        assert "Approvals: apply approved" in names() and "Findings: search" not in names()


async def test_dashboard_refreshes_itself_only_while_shown(db: Path, detector, monkeypatch) -> None:
    monkeypatch.setattr(dashboard_module, "REFRESH_SECONDS", 0.2)
    loads: list[DashboardScreen.DashboardLoaded] = []

    def hook(message) -> None:
        if isinstance(message, DashboardScreen.DashboardLoaded):
            loads.append(message)

    app = ReviewApp(db, detector=detector)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        shown_since = len(loads)
        with Store(db) as store:
            DaemonStatusStore(store).update(state="running", heartbeat_at=time.time(), pid=1)
        for _ in range(100):  # the refresh timer, not a key press, picks it up
            if len(loads) > shown_since and text(app, "#daemon").startswith("running"):
                break
            await pilot.pause(0.05)
        await settle(pilot)
        assert text(app, "#daemon").startswith("running"), "picked up without pressing r"
        await pilot.press("u")
        await settle(pilot)
        hidden_since = len(loads)
        await pilot.pause(0.6)  # the wait is what is tested: three refresh periods pass without a load
        assert len(loads) == hidden_since
        await pilot.press("d")
        await settle(pilot)
        assert len(loads) > hidden_since


def test_dashboard_snapshot(db: Path, detector, snap_compare) -> None:
    assert snap_compare(ReviewApp(db, detector=detector), terminal_size=SIZE, run_before=settle)


def test_audit_snapshot(db: Path, detector, snap_compare, monkeypatch) -> None:
    class FixedClock(datetime):  # record times are part of the screen: fix them for a stable snapshot
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    monkeypatch.setattr(audit_module, "datetime", FixedClock)
    app = ReviewApp(db, detector=detector)

    async def open_audit(pilot) -> None:
        audit_sample(pilot.app)
        await pilot.press("u")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=open_audit)
