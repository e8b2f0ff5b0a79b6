"""jieba, set up once for the whole process: quiet, with its dictionary cache in the user's cache folder.

jieba logs "Building prefix dict … Loading model …" at INFO on every start (which breaks the daemon's
key=value log lines) and keeps its cache in /tmp, where a file left by another user (a root-created 0600
cache) makes every start fail. Call `configure()` before anything segments.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache, lru_cache
from pathlib import Path

from scanner.fsio import write_new_private
from scanner.paths import cache_dir


@cache
def configure() -> None:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return  # jieba then builds its dictionary without a cache: slower, never wrong
    jieba.dt.tmp_dir = str(folder)


@cache
def name_words() -> frozenset[str]:
    """The words jieba's dictionary tags as personal names (nr, nrt, nrfg …), read from the dictionary file:
    the only part of jieba's word tags the name checks need (jieba.posseg would hold all 350,000 tags).
    Reading them takes a third of a second, so they are kept in the cache folder next to jieba's own cache."""
    configure()
    import jieba

    jieba.initialize()
    cached = _name_words_cache(jieba)
    if cached is not None and (words := _read_name_words(cached)) is not None:
        return words
    words = set()
    with jieba.dt.get_dict_file() as dictionary:
        for raw in dictionary:
            parts = raw.decode("utf-8", "replace").split()
            if len(parts) >= 3 and parts[2].startswith("nr"):
                words.add(parts[0])
    if cached is not None:
        _write_name_words(cached, words)
    return frozenset(words)


def _name_words_cache(jieba) -> Path | None:
    """The cache file for this dictionary (its path, size and time, and jieba's version, name it)."""
    try:
        dictionary = Path(jieba.dt.dictionary or jieba.DEFAULT_DICT_NAME)
        if not dictionary.is_absolute():  # the bundled dictionary, named relative to jieba's package
            dictionary = Path(jieba.__file__).parent / dictionary
        stat = dictionary.stat()
    except OSError:
        return None
    key = f"{jieba.__version__}|{dictionary}|{stat.st_size}|{stat.st_mtime_ns}"
    return cache_dir() / f"jieba-names-{hashlib.sha256(key.encode()).hexdigest()[:24]}.txt"


_END = "-- end --"


def _read_name_words(path: Path) -> frozenset[str] | None:
    """The words of a cache file (a count, one word per line, an end mark), or None when it is missing or cut."""
    try:
        lines = path.read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    complete = len(lines) >= 2 and lines[-1] == _END and lines[0] == str(len(lines) - 2)
    return frozenset(lines[1:-1]) if complete else None


def _write_name_words(path: Path, words: set[str]) -> None:
    """Written private and whole (`write_new_private`), over a file under this name that was found cut; a cache
    that cannot be written is only a slower start."""
    body = "".join(f"{word}\n" for word in sorted(words))
    data = f"{len(words)}\n{body}{_END}".encode()
    try:
        path.unlink(missing_ok=True)
        write_new_private(path, data)  # False: another process wrote the same words first
    except OSError:
        pass


def dictionary_entry(word: str) -> tuple[int, bool]:
    """(frequency, tagged as a personal name) of ``word`` in jieba's dictionary; frequency 0 when absent."""
    names = name_words()  # loads the dictionary on first use
    import jieba

    return jieba.dt.FREQ.get(word, 0), word in names


def dictionary_words(text: str) -> list[str]:
    """``text`` cut into jieba's dictionary words, without HMM guessing: a character no word claims stands alone."""
    name_words()
    import jieba

    return jieba.lcut(text, HMM=False)


_CJK_LOW, _CJK_HIGH = "\u4e00", "\u9fff"


def _is_cjk(char: str) -> bool:
    return _CJK_LOW <= char <= _CJK_HIGH


def splits_a_word(text: str, start: int, end: int, before: int = 8, after: int = 6) -> bool:
    """Does ``text[start:end]`` begin or end inside a dictionary word of the text around it? (华社 in 新华社,
    和国 in 共和国, 司独立 in 公司独立董事, 林老 in 季羡林老先生). The words come from jieba's dictionary alone
    (no HMM guessing, so an unknown name stays single characters and never hides a boundary), cut over the run
    of Chinese text that holds the span, at most ``before`` characters before it and ``after`` after it."""
    left = start
    while left > max(0, start - before) and _is_cjk(text[left - 1]):
        left -= 1
    right = end
    while right < min(len(text), end + after) and _is_cjk(text[right]):
        right += 1
    return _splits(text[left:right], start - left, end - left)


@lru_cache(maxsize=65536)
def _splits(window: str, start: int, end: int) -> bool:
    cuts = {0}
    offset = 0
    for word in dictionary_words(window):
        offset += len(word)
        cuts.add(offset)
    return start not in cuts or end not in cuts
