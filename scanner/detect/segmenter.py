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
