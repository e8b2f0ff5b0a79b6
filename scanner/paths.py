"""Where Custos keeps its state by default: the database and the fingerprint key, never on the scanned share."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    """``$CUSTOS_HOME``, else ``$XDG_STATE_HOME/custos``, else ``~/.local/state/custos``."""
    if os.environ.get("CUSTOS_HOME"):
        return Path(os.environ["CUSTOS_HOME"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "custos"


def default_db() -> Path:
    """The database a command uses without ``--db``: ``$CUSTOS_DB`` (a path or a postgresql:// URL), else
    ``[database] url`` of the config file (scanner.site_config), else custos.db in the state folder."""
    if os.environ.get("CUSTOS_DB"):
        from scanner.store.engine import database_argument

        return database_argument(os.environ["CUSTOS_DB"])
    from scanner.site_config import site_config

    configured = site_config().database
    return configured if configured is not None else state_dir() / "custos.db"


def key_path_for(db: Path) -> Path:
    """The fingerprint key lives beside its database: fingerprints are only comparable under one key."""
    return db.with_name(db.stem + ".key")


def vault_dir_for(db: Path) -> Path:
    return db.with_name(db.stem + ".vault")


def vault_key_path_for(db: Path) -> Path:
    """``$CUSTOS_VAULT_KEY`` when set (keep the master key on another volume), else beside the database."""
    if os.environ.get("CUSTOS_VAULT_KEY"):
        return Path(os.environ["CUSTOS_VAULT_KEY"])
    return db.with_name(db.stem + ".vault.key")


def audit_log_path_for(db: Path) -> Path:
    return db.with_name(db.stem + ".audit.jsonl")


def audit_key_path_for(db: Path) -> Path:
    """The Ed25519 signing key; its public half is written beside it for auditors. ``$CUSTOS_AUDIT_KEY`` when
    set: keep the key where share users and reviewers' own accounts cannot write."""
    if os.environ.get("CUSTOS_AUDIT_KEY"):
        return Path(os.environ["CUSTOS_AUDIT_KEY"])
    return db.with_name(db.stem + ".audit.key")


def policy_path_for(db: Path) -> Path:
    """The site action policy: ``$CUSTOS_POLICY`` when set, else ``policy.toml`` beside the database."""
    if os.environ.get("CUSTOS_POLICY"):
        return Path(os.environ["CUSTOS_POLICY"])
    return db.with_name("policy.toml")


def apply_lock_path_for(db: Path) -> Path:
    """Held by the one process executing actions on this database."""
    return db.with_name(db.name + ".apply.lock")


def watch_lock_path_for(db: Path) -> Path:
    """Held by the `custos watch` daemon of this database (and by `custos scan` while it runs)."""
    return db.with_name(db.name + ".watch.lock")


def cache_dir() -> Path:
    """Rebuildable caches (compiled pattern databases): ``$XDG_CACHE_HOME/custos``, else ``~/.cache/custos``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "custos"
