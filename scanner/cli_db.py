"""`custos db status` and `custos db upgrade`: which database a command uses, its schema, and upgrading it.

SQLite is upgraded when a command opens it (embedded, one machine). A PostgreSQL store is shared by hosts that
may run different Custos versions, so it is upgraded only here, by an administrator, once every host's Custos is
ready for it; until then commands refuse an older schema with a message naming this command.
"""

from __future__ import annotations

import argparse

from scanner.paths import default_db
from scanner.store.engine import database_argument


class DbUsageError(Exception):
    """The database cannot be reached or read; the message says which (its password masked) and why."""


def add_db_commands(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="the findings database: engine, schema version, upgrade, migrate")
    actions = db.add_subparsers(dest="db_command", required=True)
    status = actions.add_parser("status", help="engine, database (password masked), schema version")
    upgrade = actions.add_parser("upgrade", help="bring the database's schema up to this Custos's version")
    for parser, handler in ((status, _cmd_status), (upgrade, _cmd_upgrade)):
        parser.add_argument("--db", type=database_argument, help=f"findings database or URL (default {default_db()})")
        parser.set_defaults(handler=handler)
    from scanner.cli_db_migrate import add_migrate_command

    add_migrate_command(actions)


def _open(args: argparse.Namespace, *, create: bool):  # noqa: ANN202 - an engine connection
    from scanner.store.engine import connect, db_errors, parse_target

    target = parse_target(args.db or default_db())
    if target.path is not None and not target.path.exists() and not create:
        raise DbUsageError(f"{target.shown}: no database there yet")
    try:
        return target, connect(target)
    except (OSError, *db_errors()) as exc:
        raise DbUsageError(f"{target.shown}: cannot open the database ({_masked(str(exc), target)})") from None


def _masked(text: str, target) -> str:  # noqa: ANN001
    from urllib.parse import urlsplit

    password = urlsplit(target.url or "").password
    return text.replace(password, "***") if password else text


def _cmd_status(args: argparse.Namespace) -> int:
    from scanner import __version__
    from scanner.store.migrations import stored_version
    from scanner.store.schema import SCHEMA_VERSION

    target, db = _open(args, create=False)
    try:
        version = stored_version(db)
    finally:
        db.close()
    print(f"engine:   {target.kind}")
    print(f"database: {target.shown}")
    print(f"schema:   {'none (a new database)' if version is None else version}")
    print(f"custos:   {__version__} (schema {SCHEMA_VERSION})")
    if version is not None and version < SCHEMA_VERSION:
        print(f"upgrade:  needed: run `custos db upgrade --db {target.shown}`")
    elif version is not None and version > SCHEMA_VERSION:
        print("upgrade:  this Custos is older than the database: upgrade Custos")
    return 0


def _cmd_upgrade(args: argparse.Namespace) -> int:
    from scanner.store.migrations import MigrationError, stored_version, upgrade
    from scanner.store.schema import SCHEMA_VERSION

    target, db = _open(args, create=True)
    try:
        before = stored_version(db)
        upgrade(db)
    except MigrationError as exc:
        raise DbUsageError(f"{target.shown}: {exc}") from None
    finally:
        db.close()
    if before == SCHEMA_VERSION:
        print(f"{target.shown}: schema {SCHEMA_VERSION}, already up to date")
    else:
        print(f"{target.shown}: schema {'none' if before is None else before} -> {SCHEMA_VERSION}")
    return 0
