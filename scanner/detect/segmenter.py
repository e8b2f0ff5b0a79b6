"""jieba, set up once for the whole process: quiet, with its dictionary cache in the user's cache folder.

jieba logs "Building prefix dict … Loading model …" at INFO on every start (which breaks the daemon's
key=value log lines) and keeps its cache in /tmp, where a file left by another user (a root-created 0600
cache) makes every start fail. Call `configure()` before anything segments.
"""

from __future__ import annotations

import logging
from functools import cache

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
    the only part of jieba's word tags the name checks need (jieba.posseg would hold all 350,000 tags)."""
    configure()
    import jieba

    jieba.initialize()
    words = set()
    with jieba.dt.get_dict_file() as dictionary:
        for raw in dictionary:
            parts = raw.decode("utf-8", "replace").split()
            if len(parts) >= 3 and parts[2].startswith("nr"):
                words.add(parts[0])
    return frozenset(words)


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
