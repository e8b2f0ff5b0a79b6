"""One fingerprint key per store: the first key that writes fingerprints into a store is recorded (its id, never
the key), and a process holding another key is refused before it writes anything.

Fingerprints link people across files and hosts and keep false positives dismissed; under two keys they silently
stop matching. On PostgreSQL every host must hold the company key the admin copied to it (docs/postgresql.md);
on SQLite a lost or replaced key file is caught the same way ("restore it from backup").
"""

from __future__ import annotations

from typing import Any

from scanner.i18n import _


def bind_key(db: Any, key_id: str) -> str:
    """Record ``key_id`` as the store's key if it has none yet; the store's key id (``key_id`` unless another key
    was recorded first)."""
    db.execute("INSERT INTO meta(key, value) VALUES ('fingerprint_key_id', ?) ON CONFLICT(key) DO NOTHING", (key_id,))
    return db.execute("SELECT value FROM meta WHERE key = 'fingerprint_key_id'").fetchone()[0]


def mismatch_message(where: str, key_id: str, recorded: str) -> str:
    return _(
        "{where}: this host's fingerprint key (id {key_id}) is not the store's (id {recorded}): its fingerprints"
        " would match nobody's. Copy the store's key (custos.key) into this host's state folder, or restore it from"
        " backup (docs/postgresql.md, 'The company fingerprint key')"
    ).format(where=where, key_id=key_id, recorded=recorded)
