"""`custos db migrate --from sqlite:///…/custos.db --to postgresql://…`: move a SQLite store into PostgreSQL.

The SQLite store is opened (and so brought up to this Custos's schema), its audit log verified against its
database, then every table is copied with its ids into an empty PostgreSQL database in one transaction
(scanner.store.copy_store) and the audit log's records become the first records of the company's chain.
Run it with the store's `custos watch` stopped; the SQLite file is only read and stays as it was.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives import serialization

from scanner.display import safe
from scanner.i18n import _
from scanner.i18n.numbers import format_count
from scanner.store.engine import DatabaseTarget, parse_target


def add_migrate_command(actions: argparse._SubParsersAction) -> None:
    migrate = actions.add_parser("migrate", help=_("copy a SQLite store into a new, empty PostgreSQL database"))
    migrate.add_argument("--from", dest="source", required=True, metavar="SQLITE",
                         help=_("the SQLite store: sqlite:///path/custos.db or a path"))  # fmt: skip
    migrate.add_argument("--to", dest="target", required=True, metavar="URL",
                         help=_("an empty PostgreSQL database: postgresql://user@host/dbname"))  # fmt: skip
    migrate.set_defaults(handler=_cmd_migrate)


def _cmd_migrate(args: argparse.Namespace) -> int:
    from scanner.cli_db import DbUsageError
    from scanner.store.copy_store import CopyError, copy_sqlite_to_postgresql
    from scanner.store.engine import db_errors

    source, target = parse_target(args.source), parse_target(args.target)
    if source.is_postgresql or source.path is None or not source.path.is_file():
        raise DbUsageError(_("--from {db}: not a SQLite store (give sqlite:///path/custos.db)").format(db=source.shown))
    if not target.is_postgresql:
        raise DbUsageError(_("--to {db}: not a PostgreSQL URL (postgresql://user@host/dbname)").format(db=target.shown))
    history = _audit_history(source)
    try:
        copied = copy_sqlite_to_postgresql(source, target, history)
    except CopyError as exc:
        raise DbUsageError(str(exc)) from None
    except db_errors() as exc:
        raise DbUsageError(
            _("{db}: the copy failed and was rolled back ({error})").format(db=target.shown, error=_masked(exc, target))
        ) from None
    width = max(len(t) for t in copied)
    for table, count in copied.items():
        print(f"{table:<{width}}  {format_count(count):>10}")
    done = _("custos: {source} copied into {target}; every table's rows counted on both sides")
    print(done.format(source=source.shown, target=target.shown))
    _print_next_steps(source)
    return 0


def _audit_history(source: DatabaseTarget):  # noqa: ANN202 - copy_store.AuditHistory
    """The SQLite store's audit log, verified against its database, as the chain's first records."""
    from scanner.actions.audit import AuditLog
    from scanner.actions.audit_keys import canonical, key_id, load_public_key
    from scanner.cli_db import DbUsageError
    from scanner.paths import audit_key_path_for, audit_log_path_for
    from scanner.store.audit_chain import AuditChain
    from scanner.store.copy_store import AuditHistory
    from scanner.store.store import Store

    db = source.path
    with Store(source) as store:  # brings the file up to this Custos's schema and records its host
        host = store.host
        log = AuditLog(audit_log_path_for(db), audit_key_path_for(db), AuditChain(store))
        result = log.verify()
    if not result.ok:
        broken = (
            _("the audit log {path} does not verify at record {record} ({reason}): nothing was copied")
            if result.first_bad is not None
            else _("the audit log {path} does not verify ({reason}): nothing was copied")
        )
        raise DbUsageError(broken.format(path=log.path, record=result.first_bad, reason=result.reason))
    pem = kid = None
    if log.public_key_path.exists():
        public = load_public_key(log.public_key_path)
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
        kid = key_id(public)

    def records() -> Iterator[tuple[dict[str, Any], str]]:
        for record in log.records():
            yield record, canonical(record).decode("utf-8")

    return AuditHistory(host=host, signing_key_id=kid, public_key_pem=pem, records=records())


def _print_next_steps(source: DatabaseTarget) -> None:
    from scanner.paths import key_path_for, state_dir

    db, home = source.path, state_dir()
    print(_("next:"))
    print(_("  - the fingerprint key {key} is now the company key: copy it to every host's state").format(
        key=safe(key_path_for(db))))  # fmt: skip
    print(_("    folder as custos.key (mode 0600), so subjects link across hosts"))
    if db.resolve() != (home / "custos.db").resolve():
        beside = [p for p in db.parent.glob(f"{db.stem}.*") if p.name.split(".", 1)[1] not in _DATABASE_FILES]
        shown = ", ".join(safe(p.name) for p in sorted(beside))
        move = _("  - with a PostgreSQL store these files live in {home}: move them there from {folder}:")
        print(move.format(home=safe(home), folder=safe(db.parent)))
        print(_("    {files} (the audit key continues this host's part of the chain)").format(files=shown))
    print(_("  - point this host at the database (CUSTOS_DB or [database] url) and start `custos watch` again"))


_DATABASE_FILES = {"db", "db-wal", "db-shm", "db.apply.lock", "db.watch.lock"}


def _masked(exc: BaseException, target: DatabaseTarget) -> str:
    from urllib.parse import urlsplit

    password = urlsplit(target.url or "").password
    text = str(exc).strip()
    return text.replace(password, "***") if password else text
