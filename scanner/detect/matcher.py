"""One pass over a text for many patterns at once: where each pattern may match, as character offsets.

Hyperscan compiles every anchor (a rule's regex, a context word, a name cue) into one automaton that scans
the UTF-8 bytes of a chunk once, whatever the number of patterns. Anchors run in Hyperscan's prefilter mode:
constructs it cannot run (look-behind, look-ahead) are relaxed, so a hit marks a place where the exact Python
pattern *may* match — never misses one. The exact pattern then runs only around the hits.

Where the `hyperscan` wheel is not available, or cannot compile an anchor, that anchor falls back to Python's
`re` over the whole text: slower, same result.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

try:  # pragma: no cover - exercised when the wheel is missing
    import hyperscan

    _FLAGS = hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_PREFILTER
except ImportError:  # pragma: no cover
    hyperscan = None


@dataclass(frozen=True)
class Anchor:
    """A pattern whose hit positions some detector wants; ``source`` is Python `re` syntax."""

    key: object
    source: str
    ignore_case: bool = False


_CACHE_KEEP = 8
_VECTOR_FROM = 2000  # hits per text from which one vectorised count beats decoding the slices between them
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
# A leading (?<![...]) and a trailing (?![...]) become consuming boundaries: same places, and far fewer
# hits inside long digit runs than with the look-arounds simply relaxed.
_LEADING_LOOKBEHIND = re.compile(r"^\(\?<!\[((?:\\.|[^\]\\])+)\]\)")
_TRAILING_LOOKAHEAD = re.compile(r"\(\?!\[((?:\\.|[^\]\\])+)\]\)$")


def to_hyperscan(source: str) -> str:
    """Python `re` syntax to Hyperscan (PCRE) syntax, for prefilter use."""
    source = _UNICODE_ESCAPE.sub(lambda m: "\\x{" + m.group(1) + "}", source)
    source = _LEADING_LOOKBEHIND.sub(lambda m: "(?:^|[^" + m.group(1) + "])", source)
    return _TRAILING_LOOKAHEAD.sub(lambda m: "(?:[^" + m.group(1) + "]|$)", source)


class MultiMatcher:
    """Scans a text once for all anchors; `scan` returns, per anchor key, the sorted end offsets of its hits."""

    def __init__(self, anchors: Sequence[Anchor], *, use_hyperscan: bool = True, cache_dir: Path | None = None) -> None:
        self.anchors = list(anchors)
        self._database = None
        self._fallback: list[tuple[object, re.Pattern[str]]] = []
        if use_hyperscan and hyperscan is not None:
            self._database = self._build(cache_dir)
        else:
            for anchor in self.anchors:
                self._add_fallback(anchor)

    def _build(self, cache_dir: Path | None):
        """One Hyperscan database for every anchor that compiles (the rest fall back to `re`), loaded from the
        cache when the same anchors were compiled before: compiling takes seconds, loading milliseconds."""
        expressions = [to_hyperscan(a.source).encode("utf-8") for a in self.anchors]
        flags = [_FLAGS | (hyperscan.HS_FLAG_CASELESS if a.ignore_case else 0) for a in self.anchors]
        digest = hashlib.sha256(repr((hyperscan.__version__, expressions, flags)).encode()).hexdigest()
        cached = cache_dir / f"anchors-{digest[:32]}.hsdb" if cache_dir else None
        loaded = _load(cached) if cached is not None else None
        if loaded is not None:
            usable, database = loaded
        else:
            usable, database = _compile(expressions, flags)
            if cached is not None and database is not None:
                _store(cached, json.dumps(usable).encode() + b"\n" + hyperscan.dumpb(database))
        for i in sorted(set(range(len(self.anchors))) - set(usable)):
            self._add_fallback(self.anchors[i])
        return database

    @property
    def engine(self) -> str:
        """'hyperscan', 'hyperscan+re' (some anchors fell back) or 're'."""
        if self._database is None:
            return "re"
        return "hyperscan+re" if self._fallback else "hyperscan"

    def _add_fallback(self, anchor: Anchor) -> None:
        flags = re.ASCII | (re.IGNORECASE if anchor.ignore_case else 0)
        self._fallback.append((anchor.key, re.compile(anchor.source, flags)))
        log.debug("anchor %r runs in Python re", anchor.source[:60])

    def scan(self, text: str) -> dict[object, list[int]]:
        """Per anchor key (only keys with hits), the sorted, distinct character offsets where a hit ends."""
        found: dict[object, list[int]] = {}
        if self._database is not None and text:
            found = self._scan_hyperscan(text)
        for key, pattern in self._fallback:
            ends = [m.end() for m in pattern.finditer(text)]
            if ends:
                found.setdefault(key, []).extend(ends)
                found[key] = sorted(set(found[key]))
        return found

    def _scan_hyperscan(self, text: str) -> dict[object, list[int]]:
        data = text.encode("utf-8", "surrogatepass")
        hits: list[tuple[int, int]] = []
        append = hits.append

        def on_match(index: int, start: int, end: int, flags: int, context: object) -> None:
            append((end, index))

        self._database.scan(data, match_event_handler=on_match)
        if not hits:
            return {}
        hits.sort()
        to_char = _byte_to_char(data, text, [end for end, _ in hits])
        found: dict[object, list[int]] = {}
        for (_, index), char_end in zip(hits, to_char, strict=True):
            ends = found.setdefault(self.anchors[index].key, [])
            if not ends or ends[-1] != char_end:
                ends.append(char_end)
        for ends in found.values():
            ends.sort()
        return found


def _byte_to_char(data: bytes, text: str, sorted_byte_offsets: Sequence[int]) -> list[int]:
    """Character offsets for ascending UTF-8 byte offsets (each on a character boundary)."""
    if len(data) == len(text):  # ASCII: bytes are characters
        return list(sorted_byte_offsets)
    if len(sorted_byte_offsets) > _VECTOR_FROM:
        import numpy

        # A character starts at every byte that is not a continuation byte (10xxxxxx): count those before.
        starts = (numpy.frombuffer(data, dtype=numpy.uint8) & 0xC0) != 0x80
        before = numpy.concatenate(([0], numpy.cumsum(starts, dtype=numpy.int32)))
        return before[numpy.asarray(sorted_byte_offsets, dtype=numpy.int64)].tolist()
    out: list[int] = []
    last_byte = last_char = 0
    for offset in sorted_byte_offsets:
        if offset != last_byte:
            last_char += len(data[last_byte:offset].decode("utf-8", "surrogatepass"))
            last_byte = offset
        out.append(last_char)
    return out


def _compile(expressions: list[bytes], flags: list[int]) -> tuple[list[int], object | None]:
    """The database of every expression Hyperscan accepts, and their indices."""
    usable = list(range(len(expressions)))
    try:
        return usable, _database(expressions, flags, usable)
    except hyperscan.error:  # find the few that do not compile; those run in Python
        usable = [i for i in usable if _accepted(expressions[i], flags[i])]
    return usable, _database(expressions, flags, usable) if usable else None


def _database(expressions: list[bytes], flags: list[int], ids: list[int]):
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(
        expressions=[expressions[i] for i in ids], ids=ids, elements=len(ids), flags=[flags[i] for i in ids]
    )
    return database


def _accepted(expression: bytes, flags: int) -> bool:
    try:
        _database([expression], [flags], [0])
    except hyperscan.error:
        return False
    return True


def _load(path: Path) -> tuple[list[int], object] | None:
    try:
        header, _, blob = path.read_bytes().partition(b"\n")
        database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
        database.scratch = hyperscan.Scratch(database)  # a deserialised database comes without one
        return json.loads(header), database
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, hyperscan.error):
        log.debug("anchor cache %s unreadable; compiling", path)
        return None


def _store(path: Path, data: bytes) -> None:
    """Write the cache atomically; a cache that cannot be written is only a slower start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        older = sorted(path.parent.glob("anchors-*.hsdb"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in older[_CACHE_KEEP:]:  # other rule-pack sets; keep the most recent few
            stale.unlink(missing_ok=True)
    except OSError as exc:
        log.debug("anchor cache not written: %s", exc)
