"""`custos db status` and `custos db upgrade`: which database a command uses, its schema, and upgrading it.

SQLite is upgraded when a command opens it (embedded, one machine). A PostgreSQL store is shared by hosts that
may run different Custos versions, so it is upgraded only here, by an administrator, once every host's Custos is
ready for it; until then commands refuse an older schema with a message naming this command.
"""

from __future__ import annotations

import argparse

from scanner.i18n import _
from scanner.paths import default_db
from scanner.store.engine import database_argument


class DbUsageError(Exception):
    """The database cannot be reached or read; the message says which (its password masked) and why."""


def add_db_commands(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help=_("the findings database: engine, schema version, upgrade, migrate"))
    actions = db.add_subparsers(dest="db_command", required=True)
    status = actions.add_parser("status", help=_("engine, database (password masked), schema version"))
    upgrade = actions.add_parser("upgrade", help=_("bring the database's schema up to this Custos's version"))
    for parser, handler in ((status, _cmd_status), (upgrade, _cmd_upgrade)):
        parser.add_argument(
            "--db",
            type=database_argument,
            help=_("findings database or URL (default {path})").format(path=default_db()),
        )
        parser.set_defaults(handler=handler)
    from scanner.cli_db_migrate import add_migrate_command
    from scanner.cli_db_recount import add_recount_command

    add_migrate_command(actions)
    add_recount_command(actions)


def _open(args: argparse.Namespace, *, create: bool):  # noqa: ANN202 - an engine connection
    from scanner.store.engine import connect, db_errors, parse_target

    target = parse_target(args.db or default_db())
    if target.path is not None and not target.path.exists() and not create:
        raise DbUsageError(_("{db}: no database there yet").format(db=target.shown))
    try:
        return target, connect(target)
    except (OSError, *db_errors()) as exc:
        raise DbUsageError(
            _("{db}: cannot open the database ({error})").format(db=target.shown, error=_masked(str(exc), target))
        ) from None


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
    print(_("engine:   {engine}").format(engine=target.kind))
    print(_("database: {db}").format(db=target.shown))
    print(_("schema:   {version}").format(version=_("none (a new database)") if version is None else version))
    print(_("custos:   {version} (schema {schema})").format(version=__version__, schema=SCHEMA_VERSION))
    if version is not None and version < SCHEMA_VERSION:
        print(_("upgrade:  needed: run `custos db upgrade --db {db}`").format(db=target.shown))
    elif version is not None and version > SCHEMA_VERSION:
        print(_("upgrade:  this Custos is older than the database: upgrade Custos"))
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
        print(_("{db}: schema {version}, already up to date").format(db=target.shown, version=SCHEMA_VERSION))
    else:
        print(_("{db}: schema {before} -> {after}").format(
            db=target.shown, before=_("none") if before is None else before, after=SCHEMA_VERSION))  # fmt: skip
    return 0
