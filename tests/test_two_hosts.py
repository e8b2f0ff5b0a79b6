"""Two file servers, one PostgreSQL store: two real `custos watch` daemons with their own host ids, roots and state
folders; a reviewer's TUI on a third machine sees both hosts and their files, a mask of host B's file is proposed
and approved by two people there, host B's daemon executes it, and host A never touches it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.review.service import Refused
from scanner.states import ActionKind, ActionState
from scanner.store.engine import database_argument
from scanner.store.store import Store
from tests.action_fixtures import ALICE, BOB, PHONE, cli_env, custos
from tests.engines import install_company_key
from tests.tui_fixtures import settle
from tui.app import ReviewApp

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.anyio]
WAIT_S = 120  # a daemon's worker and action runner load the detector first


class HostDaemon:
    """`custos watch` of one host: its id, its root, its state folder (vault, keys), the shared store."""

    def __init__(self, tmp: Path, host: str, url: str) -> None:
        self.host, self.share, self.home = host, tmp / f"share-{host}", tmp / f"home-{host}"
        self.share.mkdir()
        config = tmp / f"{host}.toml"
        config.write_text(f'[daemon]\nsettle_seconds = 0.2\nheartbeat_seconds = 1\nlog_level = "debug"\n'
                          f'[[roots]]\npath = "{self.share}"\n', encoding="utf-8")  # fmt: skip
        install_company_key(self.home)  # the admin copies the company's fingerprint key before the first scan
        self.env = cli_env(CUSTOS_HOST_ID=host, CUSTOS_HOME=str(self.home))
        self.log = open(tmp / f"{host}.log", "ab")  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scanner.cli", "watch", "--config", str(config), "--db", url],
            stdout=self.log, stderr=self.log, start_new_session=True, env=self.env,
        )  # fmt: skip

    def ready(self) -> bool:
        text = self.logs()
        return "worker_ready" in text and "actions_ready" in text

    def logs(self) -> str:
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=60)
        self.log.close()


def wait_for(predicate, what: str, daemons: list[HostDaemon], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        for d in daemons:
            assert d.proc.poll() is None, f"{d.host}'s daemon exited waiting for {what}:\n{d.logs()[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n" + "\n".join(d.logs()[-2000:] for d in daemons))


def rows(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with Store(url, host="reviewer") as store:
        return [tuple(r) for r in store.connection.execute(sql, params)]


def scanned_on(url: str, host: str, rel_path: str) -> bool:
    sql = "SELECT COUNT(*) FROM findings f JOIN files fi ON fi.id = f.file_id WHERE fi.host = ? AND fi.rel_path = ?"
    return rows(url, sql, (host, rel_path))[0][0] > 0


async def test_a_reviewer_sees_both_hosts_and_host_b_masks_its_own_file(pg_url, tmp_path, monkeypatch, detector):
    daemons = [HostDaemon(tmp_path, "host-a", pg_url), HostDaemon(tmp_path, "host-b", pg_url)]
    a, b = daemons
    try:
        wait_for(lambda: a.ready() and b.ready(), "both daemons", daemons)
        text = f"客户名单\n手机：{PHONE}\n"
        (a.share / "a-list.txt").write_text(text, encoding="utf-8")
        (b.share / "b-list.txt").write_text(text, encoding="utf-8")
        wait_for(lambda: scanned_on(pg_url, "host-a", "a-list.txt") and scanned_on(pg_url, "host-b", "b-list.txt"),
                 "both files scanned, each by its own host", daemons)  # fmt: skip
        assert not scanned_on(pg_url, "host-a", "b-list.txt") and not scanned_on(pg_url, "host-b", "a-list.txt")

        monkeypatch.setenv("CUSTOS_HOST_ID", "reviewer")  # the reviewer's machine: no share, no daemon
        monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "home-reviewer"))
        install_company_key(tmp_path / "home-reviewer")
        policy = tmp_path / "home-reviewer" / "policy.toml"  # the reviewers' site policy: masks need two people
        policy.write_text('[actions]\nsecond_person = ["mask"]\n', encoding="utf-8")
        policy.chmod(0o600)
        app = ReviewApp(database_argument(pg_url), detector=detector)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#hosts")
            hosts = {str(table.get_row_at(i)[0]): str(table.get_row_at(i)[1]) for i in range(table.row_count)}
            assert hosts == {"host-a": "yes", "host-b": "yes"}
            await pilot.press("f")
            await settle(pilot)
            files = app.screen.query_one("#findings-table")
            paths = [str(files.get_cell_at((r, files.get_column_index("path")))) for r in range(files.row_count)]
            assert sorted(p.rsplit("/", 1)[-1] for p in paths) == ["a-list.txt", "b-list.txt"]

            [b_file] = rows(pg_url, "SELECT id FROM files WHERE host = 'host-b' AND rel_path = 'b-list.txt'")
            plan = app.review.plan(ActionKind.MASK, [], [b_file[0]])
            proposed = app.review.propose(plan.targets, None, None, ALICE)
            [action_id] = proposed.created
            assert plan.needs_second_person and not proposed.errors
            with pytest.raises(Refused, match="needs a second person"):
                app.review.approve(action_id, ALICE)
            app.review.approve(action_id, BOB)  # the second person

        executed = "SELECT state, executed_by, host FROM actions WHERE id = ?"
        under_way = (ActionState.APPROVED, ActionState.EXECUTING)
        wait_for(lambda: rows(pg_url, executed, (action_id,))[0][0] not in under_way, "host B's runner", daemons)
        assert rows(pg_url, executed, (action_id,)) == [(ActionState.EXECUTED, "custos-watch@host-b", "host-b")]
        assert PHONE not in (b.share / "b-list.txt").read_text(encoding="utf-8")
        assert PHONE in (a.share / "a-list.txt").read_text(encoding="utf-8")

        verify = custos("audit", "verify", "--db", pg_url, env=cli_env(CUSTOS_HOST_ID="reviewer",
                        CUSTOS_HOME=str(tmp_path / "home-reviewer")))  # fmt: skip
        assert verify.returncode == 0, verify.stdout + verify.stderr
        refused = custos("apply", action_id, "--yes", "--db", pg_url, env=a.env)
        assert refused.returncode == 2 and f"action {action_id} belongs to host host-b" in refused.stderr
        assert "this is host host-a" in refused.stderr
    finally:
        for d in daemons:
            d.stop()
    assert "action_applied" in b.logs() and f"action={action_id}" in b.logs()
    assert "action_applied" not in a.logs() and str(b.share) not in a.logs()  # A never opened B's path
    assert (b.home / "custos.vault").exists() and not (a.home / "custos.vault").exists()  # B's original, on B
