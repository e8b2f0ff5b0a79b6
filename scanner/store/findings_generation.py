"""Has the set of current findings changed since the subjects were linked? A cheap signature answers it.

Linking reads every current finding (seconds on a big store), so it runs when someone asks about subjects, not
after every scan (scanner/subjects/fresh.py). The signature is the highest finding id (every new finding has a
higher one) and a counter in `meta` that every write changing existing findings' states bumps once per
transaction (`bump`): superseded on a re-scan, gone, masked, quarantined, deleted, dismissed, reinstated, moved.
Reading it is two indexed lookups, however many findings the store holds.
"""

from __future__ import annotations

from typing import Any

_KEY = "findings_generation"
_BUMP_SQL = (
    "INSERT INTO meta(key, value) VALUES ('findings_generation', '1')"
    " ON CONFLICT(key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)"
)


def bump(db: Any) -> None:
    """Existing findings changed state (call inside the transaction that changed them)."""
    db.execute(_BUMP_SQL)


def signature(db: Any) -> str:
    """The findings' current signature: equal signatures mean the same current findings."""
    highest = db.execute("SELECT coalesce(max(id), 0) FROM findings").fetchone()[0]
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_KEY,)).fetchone()
    return f"{highest}:{row[0] if row else 0}"
