"""A row's guarded state change, shared by the tables whose rows move through states (actions, disclosures)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from scanner.i18n import N_, _

_WRONG_STATE = {
    "action": N_("action {id} is {state}, not {expected}"),
    "disclosure": N_("disclosure {id} is {state}, not {expected}"),
}


def guarded_move(
    db: sqlite3.Connection, table: str, row_id: int, expected: Sequence[str], new_state: str,
    error: type[Exception], noun: str, columns: dict[str, object],
) -> None:  # fmt: skip
    """Move row ``row_id`` of ``table`` from one of the ``expected`` states to ``new_state``, setting ``columns``;
    raise ``error`` naming the state it was really in when it was in none of them. Call inside a transaction."""
    sets = ", ".join(["state = ?", *(f"{name} = ?" for name in columns)])
    marks = ",".join("?" * len(expected))
    cur = db.execute(
        f"UPDATE {table} SET {sets} WHERE id = ? AND state IN ({marks})",
        (new_state, *columns.values(), row_id, *expected),
    )
    if cur.rowcount != 1:
        state = db.execute(f"SELECT state FROM {table} WHERE id = ?", (row_id,)).fetchone()
        now = state[0] if state else "missing"
        message = _WRONG_STATE.get(noun, noun + " {id} is {state}, not {expected}")
        raise error(_(message).format(id=row_id, state=now, expected=_(" or ").join(expected)))
