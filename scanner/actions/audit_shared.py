"""One audit chain per company in a shared PostgreSQL store, each record signed by the host that appended it.

Records are those of ``scanner.actions.audit`` (seq, time, event, actor, key_id, prev_hash, hash, sig), with the
appending host in ``actor.host``; they are kept whole in the database (``scanner.store.audit_shared``) and
appended under an advisory lock, so the records of every host form one chain. Each host signs with its own
Ed25519 key (``custos.audit.key`` in its state folder) and registers the public half in ``hosts`` the first
time it appends; a registered key is never replaced.

``verify`` checks the whole chain: every record's hash, canonical form, signature against the registered key of
the host that appended it, and its link to the record before. Editing, reordering, inserting or removing a
record in the middle breaks the chain. Removing the newest records leaves a chain that is sound but shorter:
each host therefore remembers the last record it appended (``custos.audit.head`` beside its key) and refuses
to append to, or to pass, a chain that lost it; an auditor also keeps ``head()`` somewhere the database's
administrators cannot change, as with the SQLite log. What verify cannot prove: that the database and every
host's memory were not rewritten together by someone holding every host's key.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.actions.audit import Actor, AuditLog, VerifyResult, check_arguments, record_matches
from scanner.actions.audit_keys import (
    GENESIS,
    AuditError,
    canonical,
    key_id,
    link_problem,
    load_or_create_signing_key,
    load_public_key,
    parse_line,
    public_key_path,
    seal,
    seal_problem,
)
from scanner.i18n import _
from scanner.paths import audit_key_path_for, audit_log_path_for
from scanner.states import ActionState
from scanner.store.audit_chain import AuditChain
from scanner.store.audit_shared import ChainRow, SharedAuditChain
from scanner.store.engine import url_path
from scanner.store.lossless import storable
from scanner.store.store import Store

_PEM = serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo


def audit_log_for(db: Path, store: Store) -> AuditLog | SharedAuditLog:
    """The audit log of the store at ``db``: the signed log file beside a SQLite store (its seals remembered in the
    database), or the company's chain in a PostgreSQL store."""
    if store.target.is_postgresql:
        head = audit_log_path_for(db).with_suffix(".head")
        return SharedAuditLog(SharedAuditChain(store), audit_key_path_for(db), head)
    return AuditLog(audit_log_path_for(db), audit_key_path_for(db), AuditChain(store))


class SharedAuditLog:
    """The company's audit chain in PostgreSQL, with the interface of ``AuditLog`` (append, check_writable, head,
    verify, records); this host appends with its own key."""

    def __init__(self, chain: SharedAuditChain, signing_key_path: Path, memory_path: Path) -> None:
        self.chain = chain
        self.host = chain.host
        self.path = url_path(chain.target)  # named in messages by the masked URL
        self.signing_key_path = Path(signing_key_path)
        self.public_key_path = public_key_path(self.signing_key_path)
        self.memory = HostMemory(memory_path)
        self._key: Ed25519PrivateKey | None = None
        self._key_id = ""

    # --- appending ---------------------------------------------------------------------------------------------
    def append(self, event: str, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
        """Append one record, signed with this host's key, after the chain's newest; AuditError if refused."""
        fields = storable(fields)
        check_arguments(event, fields)
        self.check_writable()
        who = storable({"os_user": actor.os_user, "reviewer": actor.reviewer, "host": self.host})

        def build(prev: tuple[int, str] | None) -> tuple[dict[str, Any], str]:
            assert self._key is not None
            record = {
                **fields,
                "seq": prev[0] + 1 if prev else 1,
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "event": event,
                "actor": who,
                "key_id": self._key_id,
                "prev_hash": prev[1] if prev else GENESIS,
            }
            record = seal(record, self._key)
            return record, canonical(record).decode("utf-8")

        record = self.chain.append(build)
        self.memory.remember(record["seq"], record["hash"])
        return record

    def check_writable(self) -> None:
        """Raise AuditError now if an append would be refused: this host's key missing or not the one registered
        for it, or the chain lost the last record this host appended."""
        if self._key is None:
            self._key, self._key_id = self._host_key()
        problem = self._memory_problem()
        if problem:
            raise AuditError(
                _("{problem}. Restore the database from backup; nothing was written").format(problem=problem)
            )

    def _host_key(self) -> tuple[Ed25519PrivateKey, str]:
        registered = self.chain.key_of(self.host)
        fresh = registered is None and not self.chain.has_records_of(self.host)
        key = load_or_create_signing_key(self.signing_key_path, may_create=fresh, log=self.path)
        mine = key.public_key()
        if registered is None:
            registered = self.chain.register_key(self.host, key_id(mine), mine.public_bytes(*_PEM).decode("ascii"))
        if not _same_key(registered[1], mine):
            raise AuditError(
                _("host {host}'s audit key registered in {path} is not {key_path} (key_id {key_id}): restore this "
                  "host's original key. A registered key is never replaced").format(
                    host=self.host, path=self.path, key_path=self.signing_key_path, key_id=key_id(mine))
            )  # fmt: skip
        return key, key_id(mine)

    def _memory_problem(self) -> str | None:
        remembered = self.memory.last()
        if remembered is None:
            return None
        seq, digest = remembered
        stored = self.chain.hash_at(seq)
        if stored is None:
            return _("this host appended audit record {seq}, but the chain in {path} no longer holds it: "
                     "records were removed").format(seq=seq, path=self.path)  # fmt: skip
        if stored != digest:
            return _("audit record {seq} in {path} is not the one this host appended: the chain was rewritten").format(
                seq=seq, path=self.path
            )
        return None

    # --- reading -----------------------------------------------------------------------------------------------
    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the newest record, to hand to an external party; later chains must still contain it."""
        return self.chain.head()

    def verify(self, public_key_path: Path | None = None) -> VerifyResult:
        """Check the whole chain: each record against its host's registered key, and its link to the one before.
        Reads on connections of its own (no use of the store's): the review UI verifies in a worker thread.
        ``public_key_path``: a host's public key an auditor holds apart from the database; it must be registered."""
        try:
            keys = self._registered_keys()
            pinned = load_public_key(Path(public_key_path)) if public_key_path else None
        except AuditError as exc:
            return VerifyResult(ok=False, records=0, reason=str(exc))
        if pinned is not None and not any(_raw(k) == _raw(pinned) for k in keys.values()):
            reason = _("the public key {path} (key_id {key_id}) is not registered for any host: the registered keys "
                       "were replaced").format(path=public_key_path, key_id=key_id(pinned))  # fmt: skip
            return VerifyResult(ok=False, records=0, reason=reason)
        try:
            mine = self._own_key_problem(keys)
        except AuditError as exc:
            mine = str(exc)
        if mine:
            return VerifyResult(ok=False, records=0, reason=mine)
        try:
            remembered = self.memory.last()
        except AuditError as exc:
            return VerifyResult(ok=False, records=0, reason=str(exc))
        prev: dict | None = None
        count = 0
        logged_executed: set[int] = set()
        for row in self.chain.rows():
            record, reason = _row_problem(row, keys, prev)
            if not reason and remembered is not None and row.seq == remembered[0] and row.hash != remembered[1]:
                reason = _("it is not the record {seq} this host appended: the chain was rewritten").format(
                    seq=remembered[0]
                )
            if reason:
                return VerifyResult(ok=False, records=count, first_bad=count + 1, reason=reason)
            if record["event"] == ActionState.EXECUTED and isinstance(record.get("action_id"), int):
                logged_executed.add(record["action_id"])
            prev, count = record, count + 1
        unlogged = sorted(self.chain.executed_action_ids() - logged_executed)
        if unlogged:
            shown = ", ".join(map(str, unlogged[:10])) + (" …" if len(unlogged) > 10 else "")
            reason = _("the database says actions {actions} were executed, but the chain has no 'executed' record "
                       "of them: records were removed").format(actions=shown)  # fmt: skip
            return VerifyResult(ok=False, records=count, reason=reason)
        if remembered is not None and (prev is None or prev["seq"] < remembered[0]):
            last = prev["seq"] if prev else 0
            reason = _("this host appended audit record {seq}, but the chain in {path} ends at {last}: records were "
                       "removed").format(seq=remembered[0], path=self.path, last=last)  # fmt: skip
            return VerifyResult(ok=False, records=count, reason=reason)
        return VerifyResult(ok=True, records=count)

    def _registered_keys(self) -> dict[str, Ed25519PublicKey]:
        keys = {}
        for host, (_key_id, pem) in self.chain.registered_keys().items():
            try:
                key = serialization.load_pem_public_key(pem.encode("ascii"))
            except (ValueError, UnicodeEncodeError) as exc:
                raise AuditError(
                    _("host {host}'s registered audit key is unreadable ({error})").format(host=host, error=exc)
                ) from None
            if not isinstance(key, Ed25519PublicKey):
                raise AuditError(_("host {host}'s registered audit key is not an Ed25519 key").format(host=host))
            keys[host] = key
        return keys

    def _own_key_problem(self, keys: dict[str, Ed25519PublicKey]) -> str | None:
        """This host's own public key file, kept apart from the database, must be the one registered for it."""
        if self.host not in keys or not self.public_key_path.exists():
            return None
        if _raw(load_public_key(self.public_key_path)) != _raw(keys[self.host]):
            return _("the audit key registered for this host ({host}) is not its own {path}: the registered keys "
                     "were replaced").format(host=self.host, path=self.public_key_path)  # fmt: skip
        return None

    def records(self, *, since: datetime | None = None, until: datetime | None = None, event: str | None = None,
                actor: str | None = None, target_contains: str | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
        """Records filtered as ``AuditLog.records``; streams, does not verify (unreadable rows are skipped)."""
        for row in self.chain.rows():
            record, reason = parse_line((row.record or "").encode("utf-8") + b"\n")
            if reason is None and record_matches(record, since, until, event, actor, target_contains):
                yield record


def _row_problem(row: ChainRow, keys: dict[str, Ed25519PublicKey], prev: dict | None) -> tuple[dict, str | None]:
    """The row's record, and why it is not the record its host signed right after ``prev`` (None: it is)."""
    if row.record is None:
        return {}, _("the row holds no record (its text was removed)")
    line = row.record.encode("utf-8") + b"\n"
    record, reason = parse_line(line)
    if reason:
        return record, reason
    if (row.seq, row.hash, row.event) != (record["seq"], record["hash"], record["event"]):
        return record, _("the row's seq, hash or event columns disagree with its record: the row was edited")
    signer = row.host or ""
    if record["actor"].get("host", signer) != signer:
        return record, _("the record names host {named} but is stored as host {host}'s").format(
            named=record["actor"].get("host"), host=signer
        )
    key = keys.get(signer)
    if key is None:
        if not signer:
            return record, _("the row names no host, so it has no registered audit public key")
        return record, _("host {host} has no registered audit public key").format(host=signer)
    key_name = _("host {host}'s registered key").format(host=signer)
    reason = seal_problem(record, line, key, key_name) or link_problem(record, prev)
    return record, reason


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _same_key(pem: str, key: Ed25519PublicKey) -> bool:
    try:
        registered = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return False
    return isinstance(registered, Ed25519PublicKey) and _raw(registered) == _raw(key)


class HostMemory:
    """The last record this host appended, (seq, hash), in a small file of its own: the database alone cannot
    show that its newest records were removed. Only ever moves forward (appenders on one host race)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def last(self) -> tuple[int, str] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AuditError(_unreadable_memory(self.path, exc)) from None
        if not text:
            return None  # cut off by a crash while being rewritten: nothing to hold the chain to
        try:
            data = json.loads(text)
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditError(_unreadable_memory(self.path, exc)) from None
        return int(data["seq"]), str(data["hash"])

    def remember(self, seq: int, digest: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            old = os.read(fd, 4096)
            if old and json.loads(old.decode("utf-8")).get("seq", 0) >= seq:
                return
            data = json.dumps({"seq": seq, "hash": digest}).encode("utf-8")
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
            os.fsync(fd)
        finally:
            os.close(fd)


def _unreadable_memory(path: Path, error: Exception) -> str:
    return _("{path} (the last audit record this host appended) is unreadable: {error}").format(path=path, error=error)
