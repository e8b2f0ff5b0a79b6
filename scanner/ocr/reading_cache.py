"""What OCR read off a picture, remembered in memory by the picture's content hash, so the same scan copied
into many folders is read once per process. Bounded (least recently used first out) and never written anywhere:
the text read is personal data, and the database keeps none of it (docs/ocr.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

CAPACITY = 300  # pictures; an ID card's reading is a few hundred characters and boxes, so well under 1 MB in all


@dataclass(frozen=True)
class PictureText:
    """One picture's reading, independent of where it was found: its text in reading order, each row's span
    and box ("left,top,right,bottom" on the picture as shown), the document it shows, and whether it was turned."""

    text: str
    rows: tuple[tuple[int, int, str], ...]
    kind: str | None  # a DocumentKind
    whole: str | None  # the box around all the text, for the document finding
    turned: bool


class ReadingCache:
    """A least-recently-used map from a picture's key (content hash and size) to its `PictureText`."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, PictureText] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> PictureText | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, reading: PictureText) -> None:
        with self._lock:
            self._items[key] = reading
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


READINGS = ReadingCache()  # the process's: daemon workers and `custos scan --jobs N` workers each have their own
