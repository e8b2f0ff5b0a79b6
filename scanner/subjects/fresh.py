"""Subjects linked when they are asked for: `ensure_linked` relinks only when the findings changed since.

Linking reads every current finding, so neither `custos scan` nor the daemon pays for it after each file or run;
whoever reads subjects (the CLI, the review UI's Subjects view, the notification list, a handover by subject, the
compliance report, a zone's max_people rule) calls this first, through `SubjectQueries`. The check is two
indexed reads (scanner/store/findings_generation.py); a store whose findings did not change is not relinked.
"""

from __future__ import annotations

import logging

from scanner.store.engine import db_errors
from scanner.store.store import Store
from scanner.store.subjects import SubjectStore
from scanner.subjects.link import LinkStats, link_subjects

_log = logging.getLogger(__name__)


def is_stale(store: Store) -> bool:
    """Have the findings changed since the subjects were last linked (or were they never linked)?"""
    subjects = SubjectStore(store)
    return subjects.linked_signature() != subjects.findings_signature()


def ensure_linked(store: Store) -> LinkStats | None:
    """Relink the store's subjects if its findings changed since the last linking; the stats, or None when they
    were current. A store that cannot be written now (read-only, busy past the timeout) keeps its last linking:
    the reader sees those subjects, and the next reader tries again."""
    try:
        if not is_stale(store):
            return None
        return link_subjects(store)
    except db_errors() as exc:
        _log.warning("subjects not relinked (%s); showing the last linking", exc)
        return None
