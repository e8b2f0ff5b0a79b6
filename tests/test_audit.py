"""The audit log on real files with real Ed25519 keys: the chain verifies, every kind of tampering is named at
the right line, keys are guarded, torn writes are repaired on the record, and concurrent writers interleave."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.actions.audit import RESERVED, Actor, AuditError, AuditLog, current_actor, read_tail
from scanner.fsio import write_new_private

ALICE = Actor(os_user="alice", reviewer="王芳")
BOB = Actor(os_user="bob", reviewer=None)
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "custos.audit.jsonl", tmp_path / "keys" / "custos.audit.key")


def _fill(log: AuditLog, count: int = 5) -> list[dict]:
    return [
        log.append("executed", ALICE if i % 2 else BOB, {"action": "delete", "target": f"/share/名单{i}.csv", "n": i})
        for i in range(count)
    ]


def _lines(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines(keepends=True)


def _canon(value: dict) -> bytes:  # written out here, not imported: the tests pin the documented format
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _forge(record: dict, key: Ed25519PrivateKey, *, sig: str | None = None) -> bytes:
    """A line sealed the documented way: hash over the record without hash/sig, signature over the hash bytes."""
    body = {k: v for k, v in record.items() if k not in ("hash", "sig")}
    digest = hashlib.sha256(_canon(body)).hexdigest()
    sig = sig if sig is not None else base64.b64encode(key.sign(bytes.fromhex(digest))).decode()
    return _canon({**body, "hash": digest, "sig": sig}) + b"\n"


def _key_id(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return hashlib.sha256(public.public_bytes_raw()).hexdigest()[:16]


def test_appended_records_form_a_chain_an_auditor_can_recompute(log):
    written = _fill(log)
    assert log.verify().ok and log.verify().records == 5
    public = serialization.load_pem_public_key(log.public_key_path.read_bytes())
    assert isinstance(public, Ed25519PublicKey)
    prev_hash = "0" * 64
    for seq, (line, record) in enumerate(zip(_lines(log), written, strict=True), start=1):
        assert json.loads(line) == record and line == _canon(record) + b"\n"
        assert record["seq"] == seq and record["prev_hash"] == prev_hash and TIME.match(record["time"])
        assert record["key_id"] == _key_id(public) and record["event"] == "executed"
        assert line == _forge(record, Ed25519PrivateKey.generate(), sig=record["sig"])  # hash recomputes
        public.verify(base64.b64decode(record["sig"]), bytes.fromhex(record["hash"]))  # raises if forged
        prev_hash = record["hash"]
    assert written[1]["actor"] == {"os_user": "alice", "reviewer": "王芳"}
    assert "名单" in log.path.read_text(encoding="utf-8")  # Chinese stays readable in the file
    assert log.head() == (5, written[-1]["hash"])


def test_empty_or_missing_log_verifies_without_any_key(log):
    assert log.verify() == log.verify(log.path.parent / "nowhere.pub")
    assert log.verify().ok and log.verify().records == 0
    assert log.head() is None and list(log.records()) == []
    assert not log.signing_key_path.exists()


def test_a_middle_record_edited_and_reserialised_is_named(log):
    _fill(log)
    lines = _lines(log)
    record = json.loads(lines[2])
    record["target"] = "/share/something-else.csv"
    lines[2] = _canon(record) + b"\n"
    log.path.write_bytes(b"".join(lines))
    result = log.verify()
    assert (result.ok, result.first_bad, result.records) == (False, 3, 2)
    assert "edited" in result.reason


def test_every_single_bit_flip_in_a_record_is_caught_at_that_line(log):
    _fill(log)
    lines = _lines(log)
    start, data = sum(map(len, lines[:2])), log.path.read_bytes()
    missed = []
    for offset in range(start, start + len(lines[2])):
        for bit in (0x01, 0x20):
            flipped = bytearray(data)
            flipped[offset] ^= bit
            log.path.write_bytes(flipped)
            if log.verify().first_bad != 3:
                missed.append((offset - start, bit, log.verify()))
    assert missed == []


@pytest.mark.parametrize(("deleted", "first_bad"), [(0, 1), (2, 3)])
def test_a_deleted_record_is_named(log, deleted, first_bad):
    _fill(log)
    lines = _lines(log)
    del lines[deleted]
    log.path.write_bytes(b"".join(lines))
    result = log.verify()
    assert (result.ok, result.first_bad) == (False, first_bad)
    assert f"expected seq {deleted + 1} but found {deleted + 2}" in result.reason


def test_records_cut_off_the_end_are_caught_only_by_a_head_kept_elsewhere(log):
    _fill(log)
    kept_elsewhere = log.head()
    log.path.write_bytes(b"".join(_lines(log)[:-1]))
    assert log.verify().ok  # the documented limit of a hash chain ...
    assert log.head() != kept_elsewhere  # ... which a head handed to an outside party exposes


def _insert_after_second(log: AuditLog, forged: bytes) -> None:
    lines = _lines(log)
    log.path.write_bytes(b"".join([*lines[:2], forged, *lines[2:]]))


def _forged_third(log: AuditLog, key_id: str) -> dict:
    second = json.loads(_lines(log)[1])
    return {**second, "seq": 3, "prev_hash": second["hash"], "key_id": key_id, "target": "/share/forged.csv"}


def test_inserted_record_signed_by_another_key_is_named(log):
    _fill(log)
    other = Ed25519PrivateKey.generate()
    _insert_after_second(log, _forge(_forged_third(log, _key_id(other)), other))
    result = log.verify()
    assert (result.first_bad, result.records) == (3, 2)
    assert "different key" in result.reason and _key_id(other) in result.reason


def test_inserted_record_claiming_our_key_id_fails_its_signature(log):
    written = _fill(log)
    other = Ed25519PrivateKey.generate()
    _insert_after_second(log, _forge(_forged_third(log, written[0]["key_id"]), other))
    result = log.verify()
    assert result.first_bad == 3 and "signature does not verify" in result.reason


@pytest.mark.parametrize("sig", ["", "not base64!", base64.b64encode(bytes(64)).decode(), "copied"])
def test_inserted_record_with_a_valid_hash_but_no_valid_signature_is_named(log, sig):
    written = _fill(log)
    sig = written[0]["sig"] if sig == "copied" else sig
    _insert_after_second(log, _forge(_forged_third(log, written[0]["key_id"]), Ed25519PrivateKey.generate(), sig=sig))
    result = log.verify()
    assert result.first_bad == 3 and "signature does not verify" in result.reason


def test_swapped_records_are_named(log):
    _fill(log)
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_bytes(b"".join(lines))
    result = log.verify()
    assert result.first_bad == 2 and "expected seq 2 but found 3" in result.reason


def test_a_truncated_last_line_is_named(log):
    _fill(log)
    log.path.write_bytes(log.path.read_bytes()[:-10])
    result = log.verify()
    assert (result.first_bad, result.records) == (5, 4) and "incomplete" in result.reason


MALFORMED = [b"{not json\n", b"\n", b"[1,2]\n", b'{"seq":3}\n', b"\xff\xfe\n", b'{"seq":NaN}\n', b"[" * 100_000 + b"\n"]


@pytest.mark.parametrize("junk", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_line_is_named(log, junk):
    _fill(log)
    lines = _lines(log)
    lines[2] = junk
    log.path.write_bytes(b"".join(lines))
    result = log.verify()
    assert result.first_bad == 3 and not result.ok


def test_a_record_appended_with_another_key_is_named_and_another_key_cannot_append(log, tmp_path):
    written = _fill(log)
    other = Ed25519PrivateKey.generate()
    last = written[-1]
    with log.path.open("ab") as fh:
        fh.write(_forge({**last, "seq": 6, "prev_hash": last["hash"], "key_id": _key_id(other)}, other))
    result = log.verify()
    assert result.first_bad == 6 and "different key" in result.reason
    with pytest.raises(AuditError, match="never made for an existing history"):  # no key is created for it
        AuditLog(log.path, tmp_path / "stranger.key").append("executed", ALICE, {})
    write_new_private(tmp_path / "stranger.key", Ed25519PrivateKey.generate().private_bytes_raw())
    stranger = AuditLog(log.path, tmp_path / "stranger.key")
    with pytest.raises(AuditError, match="signed by key"):
        stranger.append("executed", ALICE, {})


def test_verifying_needs_only_the_public_key(log, tmp_path):
    _fill(log)
    log.signing_key_path.unlink()
    assert AuditLog(log.path, log.signing_key_path).verify().ok
    auditor = tmp_path / "auditor"
    auditor.mkdir()
    shutil.copy(log.path, auditor / "log.jsonl")
    shutil.copy(log.public_key_path, auditor / "custos.pub")
    result = AuditLog(auditor / "log.jsonl", auditor / "no-such.key").verify(auditor / "custos.pub")
    assert (result.ok, result.records) == (True, 5)
    with pytest.raises(AuditError, match="restore the key from backup"):  # never a silent new key
        AuditLog(log.path, log.signing_key_path).append("executed", ALICE, {})
    assert not log.signing_key_path.exists()


def test_verifying_with_the_wrong_public_key_names_the_first_record(log, tmp_path):
    _fill(log)
    wrong = tmp_path / "wrong.pub"
    wrong.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    result = log.verify(wrong)
    assert result.first_bad == 1 and "different key" in result.reason
    with pytest.raises(AuditError, match="not found"):
        log.verify(tmp_path / "missing.pub")


def test_keys_are_created_private_with_a_public_half_beside_them(log):
    record = log.append("proposed", ALICE, {})
    assert stat.S_IMODE(log.signing_key_path.stat().st_mode) == 0o600
    assert len(log.signing_key_path.read_bytes()) == 32
    assert log.public_key_path == log.signing_key_path.with_name("custos.audit.key.pub")
    public = serialization.load_pem_public_key(log.public_key_path.read_bytes())
    assert record["key_id"] == _key_id(public)
    assert [p.name for p in log.signing_key_path.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_key_others_can_read_is_refused_with_the_fix(log, mode):
    log.append("proposed", ALICE, {})
    os.chmod(log.signing_key_path, mode)
    fresh = AuditLog(log.path, log.signing_key_path)
    with pytest.raises(AuditError) as caught:
        fresh.append("approved", BOB, {})
    assert str(log.signing_key_path) in str(caught.value)
    assert f"chmod 600 {log.signing_key_path}" in str(caught.value)
    assert len(_lines(log)) == 1


@pytest.mark.parametrize("form", ["raw", "pem"])
def test_a_supplied_raw_or_pem_key_is_used(log, form):
    key = Ed25519PrivateKey.generate()
    data = key.private_bytes_raw()
    if form == "pem":
        data = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    log.signing_key_path.parent.mkdir()
    log.signing_key_path.write_bytes(data)
    log.signing_key_path.chmod(0o600)
    assert log.append("proposed", ALICE, {})["key_id"] == _key_id(key)
    assert log.verify().ok


@pytest.mark.parametrize("reserved", sorted(RESERVED))
def test_caller_fields_cannot_override_reserved_keys(log, reserved):
    with pytest.raises(ValueError, match=reserved):
        log.append("executed", ALICE, {reserved: "forged", "target": "/share/a.csv"})
    assert not log.path.exists()


@pytest.mark.parametrize("fields", [{"when": datetime(2026, 1, 1)}, {"ratio": float("nan")}, {1: "x"}])
def test_fields_must_be_plain_json(log, fields):
    with pytest.raises(ValueError):
        log.append("executed", ALICE, fields)


def test_a_torn_tail_is_cut_off_and_the_cut_is_on_the_record(log):
    _fill(log, 3)
    torn = b'{"actor":{"os_user":"alice","reviewer":"\xe7\x8e'  # half a record, ending inside a UTF-8 character
    with log.path.open("ab") as fh:
        fh.write(torn)
    assert log.verify().first_bad == 4
    assert log.head()[0] == 3  # head ignores the torn bytes
    record = log.append("approved", BOB, {"action": "mask"})
    lines = [json.loads(line) for line in _lines(log)]
    recovered = lines[3]
    assert recovered["event"] == "audit_recovered" and recovered["seq"] == 4
    assert recovered["bytes_cut"] == len(torn) and recovered["cut_sha256"] == hashlib.sha256(torn).hexdigest()
    assert record["seq"] == 5 and lines[4] == record
    assert log.verify().ok and log.verify().records == 5


def test_append_refuses_to_chain_onto_an_unreadable_last_record(log):
    _fill(log, 2)
    with log.path.open("ab") as fh:
        fh.write(b"garbage that ends in a newline\n")
    with pytest.raises(AuditError, match="unreadable"):
        log.append("executed", ALICE, {})


def _append_many(log_path: str, key_path: str, worker: int, count: int) -> None:
    log = AuditLog(Path(log_path), Path(key_path))
    for n in range(count):
        log.append("executed", Actor(f"worker{worker}", None), {"worker": worker, "n": n})


def test_concurrent_appends_from_four_processes_form_one_chain(log):
    context = multiprocessing.get_context("spawn")  # independent interpreters, racing even to create the key
    workers = [
        context.Process(target=_append_many, args=(str(log.path), str(log.signing_key_path), w, 50)) for w in range(4)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
    assert [p.exitcode for p in workers] == [0, 0, 0, 0]
    result = log.verify()
    assert (result.ok, result.records) == (True, 200), result.reason
    records = list(log.records())
    assert [r["seq"] for r in records] == list(range(1, 201))
    for worker in range(4):
        assert [r["n"] for r in records if r["worker"] == worker] == list(range(50))
    assert len({r["key_id"] for r in records}) == 1


def test_records_filters(log):
    log.append("proposed", ALICE, {"action": "delete", "target": "/share/hr/名单.xlsx"})
    log.append("approved", BOB, {"action": "delete", "target": "/share/hr/名单.xlsx"})
    log.append("executed", BOB, {"action": "delete", "target": "/share/hr/名单.xlsx", "method": "overwrite"})
    log.append("executed", ALICE, {"action": "mask", "target": "/share/sales/客户.csv"})
    log.append("purged", ALICE, {"vault_id": 7})
    all_records = log.records()
    assert isinstance(all_records, Iterator)
    times = [datetime.fromisoformat(r["time"]) for r in all_records]

    def seqs(**filters) -> list[int]:
        return [r["seq"] for r in log.records(**filters)]

    assert seqs() == [1, 2, 3, 4, 5]
    assert seqs(event="executed") == [3, 4]
    assert seqs(actor="bob") == [2, 3] and seqs(actor="王芳") == [1, 4, 5] and seqs(actor="carol") == []
    assert seqs(target_contains="名单") == [1, 2, 3] and seqs(target_contains="sales/") == [4]
    assert seqs(since=times[1], until=times[3]) == [2, 3]  # since inclusive, until exclusive
    assert seqs(since=times[3].replace(tzinfo=None)) == [4, 5]  # naive means UTC
    assert seqs(event="executed", actor="alice", target_contains="客户") == [4]


def test_the_tail_reader_never_reads_the_beginning_of_a_long_log(log):
    last = _fill(log, 3)[-1]
    records = log.path.read_bytes()
    with log.path.open("r+b") as fh:  # 16 GiB that would fail to parse, and could not be read into memory
        fh.write(b"\xff\xfe not a record {{{")
        fh.truncate(1 << 34)
        fh.seek(0, os.SEEK_END)
        fh.write(b"\n" + records)
    if log.path.stat().st_blocks * 512 > 1 << 24:
        pytest.skip("this filesystem does not keep sparse files sparse")
    fd = os.open(log.path, os.O_RDONLY)
    try:
        tail = read_tail(fd, chunk=4096)
    finally:
        os.close(fd)
    assert json.loads(tail.line) == last and tail.end == tail.size == log.path.stat().st_size
    record = log.append("approved", ALICE, {})  # and appending chains to it without reading further back
    assert (record["seq"], record["prev_hash"]) == (4, last["hash"])


def test_the_tail_reader_reports_a_torn_tail_and_short_files(tmp_path):
    path = tmp_path / "log"
    for content, expected in [
        (b"", (None, 0, 0)),
        (b"partial", (None, 0, 7)),
        (b"one\n", (b"one\n", 4, 4)),
        (b"one\ntwo\ntorn", (b"two\n", 8, 12)),
    ]:
        path.write_bytes(content)
        fd = os.open(path, os.O_RDONLY)
        try:
            assert tuple(read_tail(fd, chunk=2)) == expected, content
        finally:
            os.close(fd)


def test_current_actor_takes_the_reviewer_from_the_argument_or_the_environment(monkeypatch):
    monkeypatch.setenv("CUSTOS_REVIEWER", "李雷")
    assert current_actor(None).reviewer == "李雷"
    assert current_actor("韩梅梅").reviewer == "韩梅梅"
    assert current_actor(None).os_user
    monkeypatch.delenv("CUSTOS_REVIEWER")
    assert current_actor(None).reviewer is None
