"""Issue 18: one audit chain per company in PostgreSQL, each record signed by the host that appended it.

Two host identities (their own host id, state folder and signing key) append to one chain on a real PostgreSQL;
`verify` checks every record against the key registered for its host, and an edit, a forged signature, a
removed or reordered record, a cut tail or a replaced key is found.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from scanner.actions.audit import Actor
from scanner.actions.audit_keys import (
    AuditError,
    canonical,
    key_id,
    load_or_create_signing_key,
    load_public_key,
    seal,
)
from scanner.actions.audit_shared import SharedAuditLog, audit_log_for
from scanner.store.audit_shared import SharedAuditChain
from scanner.store.engine import database_argument
from scanner.store.store import Store

pytestmark = pytest.mark.postgres

ALICE = Actor("alice", "Alice")


class Host:
    """One machine: its host id, its state folder (signing key, memory of its last record), its store."""

    def __init__(self, url: str, host: str, home: Path) -> None:
        self.store = Store(url, host=host)
        self.home = home
        self.log = SharedAuditLog(SharedAuditChain(self.store), home / "custos.audit.key", home / "custos.audit.head")

    def append(self, event: str, **fields) -> dict:
        return self.log.append(event, ALICE, fields)

    def key(self) -> Ed25519PrivateKey:
        return load_or_create_signing_key(self.home / "custos.audit.key", may_create=False)

    def sql(self, statement: str, params: tuple = ()) -> list:
        cursor = self.store.connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def hosts(pg_url: str, tmp_path: Path):
    a, b = Host(pg_url, "fs-head-office", tmp_path / "a"), Host(pg_url, "nas-branch", tmp_path / "b")
    yield a, b
    a.close()
    b.close()


def _chain_of_four(a: Host, b: Host) -> list[dict]:
    return [a.append("proposed", n=1), b.append("approved", n=2), a.append("executed", n=3), b.append("noted", n=4)]


def test_records_of_two_hosts_form_one_chain_each_signed_by_its_host(hosts):
    a, b = hosts
    records = _chain_of_four(a, b)
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert [r["prev_hash"] for r in records[1:]] == [r["hash"] for r in records[:-1]]
    key_a = key_id(load_public_key(a.home / "custos.audit.key.pub"))
    key_b = key_id(load_public_key(b.home / "custos.audit.key.pub"))
    assert key_a != key_b
    assert [r["key_id"] for r in records] == [key_a, key_b, key_a, key_b]
    assert [r["actor"]["host"] for r in records] == ["fs-head-office", "nas-branch"] * 2
    registered = dict((h, k) for h, k in a.sql("SELECT id, signing_key_id FROM hosts"))
    assert registered == {"fs-head-office": key_a, "nas-branch": key_b}
    for host in (a, b):  # either host verifies the whole chain
        result = host.log.verify()
        assert result.ok and result.records == 4, result.reason
    assert [r["n"] for r in b.log.records(event="executed")] == [3]
    assert a.log.head() == (4, records[-1]["hash"])


def test_concurrent_appends_from_two_hosts_never_fork_the_chain(hosts, pg_url, tmp_path):
    a, b = hosts
    a.append("start")  # both keys exist before the race
    b.append("start")
    errors: list[BaseException] = []

    def run(host: str, home: Path) -> None:
        worker = Host(pg_url, host, home)
        try:
            for n in range(15):
                worker.append("tick", n=n)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            worker.close()

    threads = [threading.Thread(target=run, args=(h.store.host, h.home)) for h in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = a.log.verify()
    assert result.ok and result.records == 32, result.reason
    assert [r[0] for r in a.sql("SELECT seq FROM audit_chain ORDER BY seq")] == list(range(1, 33))


def _resealed(record: dict, key: Ed25519PrivateKey) -> dict:
    record = {k: v for k, v in record.items() if k not in ("hash", "sig")}
    return seal({**record, "key_id": key_id(key.public_key())}, key)


def _store(a: Host, seq: int, record: dict) -> None:
    a.sql(
        "UPDATE audit_chain SET record = ?, hash = ? WHERE seq = ?", (canonical(record).decode(), record["hash"], seq)
    )


def _edit_field(a: Host, b: Host) -> None:
    a.sql("UPDATE audit_chain SET record = replace(record, '\"n\":2', '\"n\":7') WHERE seq = 2")


def _forge_as_other_host(a: Host, b: Host) -> None:
    """Host A's key holder rewrites B's record 2 and signs it with A's key, leaving it stored as B's."""
    record = json.loads(a.sql("SELECT record FROM audit_chain WHERE seq = 2")[0][0])
    _store(a, 2, _resealed({**record, "n": 7}, a.key()))


def _remove_middle(a: Host, b: Host) -> None:
    a.sql("DELETE FROM audit_chain WHERE seq = 2")


def _reorder(a: Host, b: Host) -> None:
    a.sql("UPDATE audit_chain SET seq = -2 WHERE seq = 2")
    a.sql("UPDATE audit_chain SET seq = 2 WHERE seq = 3")
    a.sql("UPDATE audit_chain SET seq = 3 WHERE seq = -2")


def _replace_key(a: Host, b: Host) -> None:
    """Someone with write access and A's key registers a key of their own for host B and re-signs the chain."""
    intruder = Ed25519PrivateKey.generate()
    pem = intruder.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    a.sql("UPDATE hosts SET public_key = ?, signing_key_id = ? WHERE id = 'nas-branch'",
          (pem.decode(), key_id(intruder.public_key())))  # fmt: skip
    prev = None
    for seq, text in a.sql("SELECT seq, record FROM audit_chain ORDER BY seq"):
        record = {**json.loads(text), "prev_hash": prev} if prev else json.loads(text)
        record = _resealed(record, intruder if record["actor"]["host"] == "nas-branch" else a.key())
        _store(a, seq, record)
        prev = record["hash"]


@pytest.mark.parametrize(
    ("tamper", "bad_at", "words"),
    [
        (_edit_field, 2, "does not match its hash"),
        (_forge_as_other_host, 2, "signed by a different key"),
        (_remove_middle, 2, "expected seq 2 but found 3"),
        (_reorder, 2, "columns disagree with its record"),
        (_replace_key, None, "not its own"),
    ],
)
def test_tampering_with_the_chain_is_found(hosts, tamper, bad_at, words):
    a, b = hosts
    _chain_of_four(a, b)
    tamper(a, b)
    result = b.log.verify()  # host B: its own key file tells it its registered key was replaced
    assert not result.ok
    assert result.first_bad == bad_at
    assert words in result.reason


def test_removing_the_newest_records_is_found_by_the_host_that_appended_them(hosts):
    a, b = hosts
    _chain_of_four(a, b)
    a.sql("DELETE FROM audit_chain WHERE seq = 4")  # B's last record: the rest is a sound, shorter chain
    assert a.log.verify().ok  # A cannot know: it never appended record 4
    result = b.log.verify()
    assert not result.ok and "appended audit record 4" in result.reason and "ends at 3" in result.reason
    with pytest.raises(AuditError, match="no longer holds it"):
        b.append("noted")
    assert [r[0] for r in a.sql("SELECT seq FROM audit_chain ORDER BY seq")] == [1, 2, 3]


def test_a_host_that_lost_its_key_is_refused_and_no_new_key_is_made(hosts):
    a, b = hosts
    _chain_of_four(a, b)
    (b.home / "custos.audit.key").unlink()
    (b.home / "custos.audit.key.pub").unlink()
    again = SharedAuditLog(SharedAuditChain(b.store), b.home / "custos.audit.key", b.home / "custos.audit.head")
    with pytest.raises(AuditError, match="restore the key"):
        again.append("noted", ALICE, {})
    assert not (b.home / "custos.audit.key").exists()
    assert a.log.verify().ok


def test_a_host_with_another_key_than_the_registered_one_is_refused(hosts):
    a, b = hosts
    _chain_of_four(a, b)
    (b.home / "custos.audit.key").write_bytes((a.home / "custos.audit.key").read_bytes())
    (b.home / "custos.audit.key.pub").write_bytes((a.home / "custos.audit.key.pub").read_bytes())
    again = SharedAuditLog(SharedAuditChain(b.store), b.home / "custos.audit.key", b.home / "custos.audit.head")
    with pytest.raises(AuditError, match="is not .*never replaced"):
        again.append("noted", ALICE, {})


def test_a_postgresql_workspace_uses_the_company_chain(pg_url, monkeypatch, tmp_path):
    monkeypatch.setenv("CUSTOS_HOME", str(tmp_path / "home"))
    db = database_argument(pg_url)
    with Store(db, host="fs1") as store:
        log = audit_log_for(db, store)
        assert isinstance(log, SharedAuditLog)
        assert log.signing_key_path == tmp_path / "home" / "custos.audit.key"
        log.append("noted", ALICE, {"n": 1})
        assert log.verify().ok and "***" not in str(log.path)
