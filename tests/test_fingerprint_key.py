"""One fingerprint key per store: a host (or a SQLite state folder whose key file was lost or replaced) holding
another key is refused before it writes a fingerprint; the company key copied to a second host is accepted, and
the same value found on both hosts then has one fingerprint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scanner.build import build_scanner
from scanner.paths import key_path_for
from scanner.store.store import Store, StoreError
from tests.action_fixtures import write_share


def _scan(db: str, share: Path, packs, detector, monkeypatch, host: str, home: Path) -> None:
    monkeypatch.setenv("CUSTOS_HOST_ID", host)
    monkeypatch.setenv("CUSTOS_HOME", str(home))
    with Store(db) as store:
        build_scanner(store, store.path, packs, detector=detector).scan(share)


def _fingerprints(db: str) -> set[str]:
    with Store(db) as store:
        rows = store.connection.execute("SELECT DISTINCT fingerprint FROM findings WHERE entity_type = 'CN_MOBILE'")
        return {r[0] for r in rows}


def test_a_replaced_key_file_is_refused_before_anything_is_written(
    db_url: str, tmp_path: Path, packs, detector, monkeypatch
) -> None:
    share = write_share(tmp_path / "share")
    home = tmp_path / "state"
    _scan(db_url, share, packs, detector, monkeypatch, "host-a", home)
    with Store(db_url) as store:
        key = key_path_for(store.path)
        before = store.connection.execute("SELECT count(*) FROM findings").fetchone()[0]
    key.unlink()  # lost: the next scan would make a new key
    (share / "新客户.txt").write_text("手机：13912345678\n", encoding="utf-8")
    with pytest.raises(StoreError, match="is not the store's"):
        _scan(db_url, share, packs, detector, monkeypatch, "host-a", home)
    with Store(db_url) as store:
        assert store.connection.execute("SELECT count(*) FROM findings").fetchone()[0] == before


@pytest.mark.postgres
def test_a_second_host_needs_the_company_key(pg_url: str, tmp_path: Path, packs, detector, monkeypatch) -> None:
    head_office, branch = tmp_path / "head-office", tmp_path / "branch"
    _scan(pg_url, write_share(tmp_path / "share-a"), packs, detector, monkeypatch, "head-office", head_office)
    with pytest.raises(StoreError, match="Copy the store's key"):  # the branch made its own key
        _scan(pg_url, write_share(tmp_path / "share-b"), packs, detector, monkeypatch, "branch", branch)
    shutil.copy2(head_office / "custos.key", branch / "custos.key")  # the admin installs the company key
    _scan(pg_url, write_share(tmp_path / "share-b"), packs, detector, monkeypatch, "branch", branch)
    with Store(pg_url) as store:
        hosts = {r[0] for r in store.connection.execute("SELECT DISTINCT host FROM files")}
    assert hosts == {"head-office", "branch"}
    assert len(_fingerprints(pg_url)) == 1  # the same phone on both hosts: one fingerprint, so one person
