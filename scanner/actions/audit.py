"""The tamper-evident audit log: one signed, hash-chained JSON record per event (JSON Lines, append-only).

Each record holds ``seq`` (1, 2, 3 …), ``time`` (UTC), ``event``, ``actor`` {os_user, reviewer}, ``key_id``,
the caller's fields, ``prev_hash`` (the previous record's ``hash``; 64 zeros for the first), and the seal
``hash`` + ``sig`` described in ``audit_keys``.

What a successful ``verify`` proves: no record was edited, removed from the middle, inserted or reordered since
it was written, and each was signed with the private key whose public half is ``<signing key>.pub``; an auditor
needs only that ``.pub``. With a ``chain`` (the database's memory of every record's seq and hash, see
``scanner.store.audit_chain``) it also proves the log still holds every record the database saw appended, so
a log cut short, emptied, deleted, or rewritten and re-signed with the right key fails, and so does one that
lacks the ``executed`` record of an action the database says was executed. What it cannot prove: that log
*and* database were not rewritten together by someone holding the private key and write access to both; that
records are true (``os_user`` is what the OS reported, ``reviewer`` what the operator typed); that time came
from a trustworthy clock. Mitigations: keep the signing key where the operator cannot write (see
``scanner.paths``), and keep the ``.pub`` and, periodically, ``head()`` = (seq, hash) somewhere the operator
cannot change — handed to the buyer, the regulator or an external party, or in a ticket (the destruction
report prints it) — a later log must still contain that exact record.

A signing key is created only for a brand-new history: never while the log has records or the database
remembers any, so deleting log and keys does not yield a fresh log that verifies.

Appends from several processes are serialised by ``flock`` on ``<log>.lock``; each record is one ``os.write``
on an O_APPEND descriptor, then fsync. A power loss can leave a torn last line: the next append cuts it off
and first writes an ``audit_recovered`` record saying how many bytes were cut, so the repair is on the record.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from scanner.actions.audit_keys import (
    GENESIS,
    AuditError,
    canonical,
    fsync_dir,
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
from scanner.identity import checked_identity
from scanner.states import ActionState
from scanner.store.lossless import storable

RESERVED = frozenset({"seq", "time", "event", "actor", "key_id", "prev_hash", "hash", "sig"})


@dataclass(frozen=True)
class Actor:
    """Who caused an event: the OS account running Custos and the reviewer who took responsibility."""

    os_user: str
    reviewer: str | None

    @property
    def identity(self) -> str:
        """The name an action records as proposer or approver: the reviewer, else the OS user."""
        return self.reviewer or self.os_user


def current_actor(reviewer: str | None = None) -> Actor:
    """The OS user (or ``uid:N`` if it has no name) and ``reviewer``, else $CUSTOS_REVIEWER, else None.

    The reviewer is NFKC-normalised; IdentityError if it is empty or holds control or invisible characters."""
    try:
        os_user = getpass.getuser()
    except (KeyError, OSError, ImportError):  # a uid with no passwd entry, e.g. in a container
        os_user = f"uid:{os.getuid()}"
    if reviewer is None:
        reviewer = os.environ.get("CUSTOS_REVIEWER", "").strip() or None
    return Actor(os_user=os_user, reviewer=None if reviewer is None else checked_identity(reviewer))


class ChainMemory(Protocol):
    """What the database remembers of the log (``scanner.store.audit_chain.AuditChain``)."""

    def remember(self, record: dict[str, Any]) -> None: ...
    def head(self) -> tuple[int, str] | None: ...
    def known(self) -> Iterator[tuple[int, str]]: ...
    def executed_action_ids(self) -> set[int]: ...


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of ``AuditLog.verify``: ``first_bad`` is a 1-based line number (None when the log is whole
    but disagrees with the database), ``reason`` plain words; ``warning`` is worth reading even when ok."""

    ok: bool
    records: int
    first_bad: int | None = None
    reason: str | None = None
    warning: str | None = None


class Tail(NamedTuple):
    """The last complete line (with its "\\n"), the offset just past it, and the file size; bytes between
    ``end`` and ``size`` are a torn write."""

    line: bytes | None
    end: int
    size: int


def read_tail(fd: int, chunk: int = 64 * 1024) -> Tail:
    """Find the last complete line by reading backwards from the end in ``chunk``-sized steps, so appending to
    a log of any length reads only its last record (plus any torn bytes after it)."""
    size = pos = os.fstat(fd).st_size
    buf = b""
    while True:
        end_nl = buf.rfind(b"\n")
        if end_nl != -1:
            start_nl = buf.rfind(b"\n", 0, end_nl)
            if start_nl != -1 or pos == 0:
                return Tail(buf[start_nl + 1 : end_nl + 1], pos + end_nl + 1, size)
        if pos == 0:
            return Tail(None, 0, size)
        step = min(chunk, pos)
        pos -= step
        buf = os.pread(fd, step, pos) + buf


class AuditLog:
    """Append-only, hash-chained, Ed25519-signed JSON Lines file; the private key is needed only to append."""

    def __init__(self, path: Path, signing_key_path: Path, chain: ChainMemory | None = None) -> None:
        self.path = Path(path)
        self.chain = chain
        self.signing_key_path = Path(signing_key_path)
        self.public_key_path = public_key_path(self.signing_key_path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._key: Ed25519PrivateKey | None = None  # loaded on first append: verifying never needs it
        self._key_id = ""

    def append(self, event: str, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
        """Write one record durably and return it. Raises ValueError for bad arguments, AuditError otherwise."""
        fields = storable(fields)  # a file name that is not UTF-8 is recorded losslessly (scanner.store.lossless)
        check_arguments(event, fields)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._locked(fcntl.LOCK_EX):
                created = not self.path.exists()
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
                try:
                    record = self._append_locked(fd, event, actor, fields)
                except AuditError:
                    if created and os.fstat(fd).st_size == 0:
                        self.path.unlink(missing_ok=True)  # refused before writing: leave no empty log behind
                    raise
                finally:
                    os.close(fd)
                if created:
                    fsync_dir(self.path.parent)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            problem = f"{exc.strerror or exc}{where}"
            raise AuditError(
                _("cannot write the audit log {path}: {error}").format(path=self.path, error=problem)
            ) from exc
        return record

    def check_writable(self) -> None:
        """Raise AuditError now if an append would be refused (no key for an existing history, a log the
        database says was cut), so that callers find out before they change anything."""
        try:
            with self._locked(fcntl.LOCK_SH):
                try:
                    fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    self._ready(Tail(None, 0, 0))
                    return
                try:
                    self._ready(read_tail(fd))
                finally:
                    os.close(fd)
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            problem = f"{exc.strerror or exc}{where}"
            raise AuditError(
                _("cannot use the audit log {path}: {error}").format(path=self.path, error=problem)
            ) from exc

    def _ready(self, tail: Tail) -> dict | None:
        """Load the key (made only for a brand-new history), check the log against the database; the last record."""
        known_head = self.chain.head() if self.chain is not None else None
        if self._key is None:
            fresh = tail.size == 0 and known_head is None
            self._key = load_or_create_signing_key(self.signing_key_path, may_create=fresh, log=self.path)
            self._key_id = key_id(self._key.public_key())
        prev = _last_record(tail.line, self.path)
        if prev is not None and prev["key_id"] != self._key_id:
            raise AuditError(
                _("the last record in {path} was signed by key {old}, but {key_path} is key {new}; restore the "
                  "original signing key instead of continuing with another").format(
                    path=self.path, old=prev["key_id"], key_path=self.signing_key_path, new=self._key_id)
            )  # fmt: skip
        self._check_against_database(prev, known_head)
        return prev

    def _append_locked(self, fd: int, event: str, actor: Actor, fields: dict[str, Any]) -> dict[str, Any]:
        tail = read_tail(fd)
        prev = self._ready(tail)
        if tail.size > tail.end:  # torn write from a crash or power loss: cut it off, and say so on the record
            torn = os.pread(fd, tail.size - tail.end, tail.end)
            os.ftruncate(fd, tail.end)
            os.fsync(fd)
            note = "the log did not end in a newline (a write cut off by a crash or power loss); the tail was removed"
            cut = {"bytes_cut": len(torn), "cut_sha256": hashlib.sha256(torn).hexdigest(), "note": note}
            prev = self._write(fd, prev, "audit_recovered", actor, cut)
        return self._write(fd, prev, event, actor, fields)

    def _write(self, fd: int, prev: dict | None, event: str, actor: Actor, fields: dict) -> dict:
        assert self._key is not None
        offset = os.fstat(fd).st_size
        record = {
            **fields,
            "seq": prev["seq"] + 1 if prev else 1,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "event": event,
            "actor": storable({"os_user": actor.os_user, "reviewer": actor.reviewer}),
            "key_id": self._key_id,
            "prev_hash": prev["hash"] if prev else GENESIS,
        }
        record = seal(record, self._key)
        line = canonical(record) + b"\n"
        if os.write(fd, line) != len(line):  # disk full mid-record: take the fragment back rather than leave it
            os.ftruncate(fd, offset)
            raise AuditError(
                _("the audit log {path} could not take a whole record (disk full?); nothing written").format(
                    path=self.path
                )
            )
        os.fsync(fd)
        if self.chain is not None:
            self.chain.remember(record)  # still under the log's lock: the database learns records in order
        return record

    def _check_against_database(self, last: dict | None, known_head: tuple[int, str] | None) -> None:
        """Refuse to continue a log that lost records the database remembers: the new records would hide it."""
        if known_head is None:
            return
        seq, digest = known_head
        if last is None or last["seq"] < seq:
            if last is None:
                text = _(
                    "the database remembers audit records up to {seq}, but the audit log {path} is empty or "
                    "missing: it was cut short, emptied or deleted. Restore it from backup; nothing was written"
                )
            else:
                text = _(
                    "the database remembers audit records up to {seq}, but the audit log {path} ends at record "
                    "{last}: it was cut short, emptied or deleted. Restore it from backup; nothing was written"
                )
            raise AuditError(text.format(seq=seq, path=self.path, last=last["seq"] if last else None))  # fmt: skip
        if last["seq"] == seq and last["hash"] != digest:
            raise AuditError(
                _("audit record {seq} in {path} is not the one the database remembers: the log was rewritten. "
                  "Restore it from backup; nothing was written").format(seq=seq, path=self.path)
            )  # fmt: skip

    def head(self) -> tuple[int, str] | None:
        """(seq, hash) of the last record, to hand to an external party; later logs must still contain it."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            with self._locked(fcntl.LOCK_SH):
                tail = read_tail(fd)
        finally:
            os.close(fd)
        last = _last_record(tail.line, self.path)
        return (last["seq"], last["hash"]) if last else None

    def verify(self, public_key_path: Path | None = None) -> VerifyResult:
        """Check every record's hash, signature, seq and link to its predecessor, streaming the file."""
        pub_path = Path(public_key_path) if public_key_path else self.public_key_path
        public_key: Ed25519PublicKey | None = None
        prev: dict | None = None
        count = 0
        for number, line in enumerate(self._lines(), start=1):
            public_key = public_key or load_public_key(pub_path)
            record, reason = parse_line(line)
            reason = reason or seal_problem(record, line, public_key, pub_path) or link_problem(record, prev)
            if reason:
                return VerifyResult(ok=False, records=count, first_bad=number, reason=reason)
            prev, count = record, count + 1
        if self.chain is None:
            return VerifyResult(ok=True, records=count)
        return self._verify_against_database(count)

    def _verify_against_database(self, count: int) -> VerifyResult:
        """The log is internally sound; does it still hold every record the database saw appended?"""
        known = dict(self.chain.known()) if self.chain is not None else {}
        executed = self.chain.executed_action_ids() if self.chain is not None else set()
        logged_executed: set[int] = set()
        last_seq = 0
        for record in self.records():
            last_seq = record["seq"]
            expected = known.pop(last_seq, None)
            if expected is not None and expected != record["hash"]:
                reason = _("record {seq} is not the one the database remembers (hash {hash}…, remembered "
                           "{remembered}…): the log was rewritten and re-signed").format(
                    seq=last_seq, hash=record["hash"][:16], remembered=expected[:16])  # fmt: skip
                return VerifyResult(ok=False, records=count, reason=reason)
            if record["event"] == ActionState.EXECUTED and isinstance(record.get("action_id"), int):
                logged_executed.add(record["action_id"])
        if known:
            missing = sorted(known)
            reason = _("the database remembers {count} audit records the log lacks (records {first}–{last}): the log "
                       "was cut short, emptied, replaced or deleted").format(
                count=len(missing), first=missing[0], last=missing[-1])  # fmt: skip
            return VerifyResult(ok=False, records=count, reason=reason)
        unlogged = sorted(executed - logged_executed)
        if unlogged:
            shown = ", ".join(map(str, unlogged[:10])) + (" …" if len(unlogged) > 10 else "")
            reason = _("the database says actions {actions} were executed, but the log has no 'executed' record of "
                       "them: records were removed or the log was replaced").format(actions=shown)  # fmt: skip
            return VerifyResult(ok=False, records=count, reason=reason)
        head = self.chain.head() if self.chain is not None else None
        if head is not None and last_seq > head[0]:
            warning = _("the log has {count} records after record {seq}, the last the database remembers: written "
                        "by a process that stopped before telling the database, or appended outside Custos; read them "
                        "with 'custos audit show'").format(count=last_seq - head[0], seq=head[0])  # fmt: skip
            return VerifyResult(ok=True, records=count, warning=warning)
        return VerifyResult(ok=True, records=count)

    def records(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        event: str | None = None,
        actor: str | None = None,
        target_contains: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Records with since <= time < until (naive datetimes are UTC), the given event, os_user or reviewer
        equal to ``actor``, and ``target`` containing ``target_contains``. Streams; does not verify — unreadable
        lines are skipped here and reported by ``verify``."""
        since, until = _utc(since), _utc(until)
        for line in self._lines():
            record, reason = parse_line(line)
            if reason is None and record_matches(record, since, until, event, actor, target_contains):
                yield record

    def _lines(self) -> Iterator[bytes]:
        """The file's lines as they were when reading began; appends made meanwhile are not waited for."""
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed by the with below, after the lock is gone
        except FileNotFoundError:
            return
        with fh:
            with self._locked(fcntl.LOCK_SH):  # no append is half-written at the moment the size is taken
                remaining = os.fstat(fh.fileno()).st_size
            while remaining > 0 and (line := fh.readline(remaining)):
                remaining -= len(line)
                yield line

    @contextlib.contextmanager
    def _locked(self, operation: int) -> Iterator[None]:
        """Only appending creates the lock file (before the log): a reader finding none has no appender to wait
        for, and reading leaves nothing behind."""
        create = os.O_CREAT if operation == fcntl.LOCK_EX else 0
        try:
            fd = os.open(self._lock_path, os.O_RDWR | create | os.O_CLOEXEC, 0o600)
        except OSError:
            if operation == fcntl.LOCK_EX:
                raise
            fd = None  # no appender yet, or a read-only copy of a log, e.g. an auditor's: nobody appends to it
        if fd is None:
            yield
            return
        try:
            fcntl.flock(fd, operation)
            yield
        finally:
            os.close(fd)  # releases the lock


def check_arguments(event: str, fields: dict[str, Any]) -> None:
    if not isinstance(event, str) or not event:
        raise ValueError("audit event must be a non-empty string")
    if not isinstance(fields, dict) or not all(isinstance(k, str) for k in fields):
        raise ValueError("audit fields must be a dict with string keys")
    clash = sorted(RESERVED & fields.keys())
    if clash:
        raise ValueError(f"audit fields may not set the reserved keys {', '.join(clash)}")
    try:
        canonical(fields)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"audit fields must be plain JSON values: {exc}") from None


def _last_record(line: bytes | None, path: Path) -> dict | None:
    if line is None:
        return None
    record, reason = parse_line(line)
    if reason is None and len(record["hash"]) != 64:
        reason = _("its hash is not a SHA-256")
    if reason:
        raise AuditError(
            _("the last record in {path} is unreadable: {reason}; run `custos audit verify` first").format(
                path=path, reason=reason
            )
        )
    return record


def record_matches(record: dict, since: datetime | None, until: datetime | None, event: str | None,
                   actor: str | None, target_contains: str | None) -> bool:  # fmt: skip
    """The filter of ``records`` (both audit logs): since <= time < until, event, os_user or reviewer, target."""
    if event is not None and record["event"] != event:
        return False
    if actor is not None and actor not in (record["actor"].get("os_user"), record["actor"].get("reviewer")):
        return False
    if target_contains is not None and target_contains not in str(record.get("target", "")):
        return False
    return not (since or until) or _within(record["time"], _utc(since), _utc(until))


def _within(time: str, since: datetime | None, until: datetime | None) -> bool:
    try:
        when = _utc(datetime.fromisoformat(time.replace("Z", "+00:00")))
    except ValueError:
        return False
    return (since is None or when >= since) and (until is None or when < until)


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
