"""Reading the store from a thread worker: SQLite connections are bound to the thread that opened them.

Not a widget; it lives here because the findings and detail screens share it. Each worker opens its own
short-lived connection (WAL: readers never block the app's writer) and reads through `ReviewQueries`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.store.review import ReviewQueries
from scanner.store.store import Store


@contextmanager
def thread_queries(db: Path) -> Iterator[ReviewQueries]:
    """`ReviewQueries` on a connection of the calling thread, closed on exit."""
    with Store(db) as store:
        yield ReviewQueries(store)
