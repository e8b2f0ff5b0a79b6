"""One finding in full, as the detail screen shows it: the finding, its file, its siblings and masked context.

Decision: the review UI never reveals a plain value. Context lines come from `scanner.review.context`, in which
every finding, and anything else shaped like a number or an e-mail address, is masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES
from scanner.extract.registry import format_label
from scanner.i18n import _
from scanner.i18n.numbers import format_count
from scanner.review.context import masked_context
from scanner.states import CURRENT_FINDING_STATES
from scanner.store.review import FindingFilter, FindingItem, ReviewQueries

MAX_SPANS = 20_000  # more findings than this in one file: no context rather than a partly masked one
SIBLINGS = 500


@dataclass(frozen=True)
class Detail:
    item: FindingItem
    meta: dict
    siblings: list[FindingItem]
    sibling_total: int
    context: list[tuple[int, str]] | None
    note: str  # why there is no context, when there is none


def read_detail(queries: ReviewQueries, finding_id: int) -> Detail | None:
    """Everything the detail shows, masked context included (reads the file: call it in a worker)."""
    item = queries.finding(finding_id)
    meta = queries.file_meta(item.file_id) if item else None
    if item is None or meta is None:
        return None
    same_state = FindingFilter(file_id=item.file_id, state=item.state)
    siblings = queries.findings_page(same_state, sort="path", limit=SIBLINGS)
    total = queries.count_findings(same_state)
    context, note = None, ""
    if format_label(item.path) not in PLAIN_TEXT_SUFFIXES:
        note = _("No context lines for {format} files: see the location and the preview above.").format(
            format=format_label(item.path)
        )
    elif item.state not in CURRENT_FINDING_STATES:
        note = _("No context: this finding is {state}; the file no longer holds what it was found in.").format(
            state=item.state
        )
    else:
        spans = [
            (f.start, f.end, f.preview)
            for state in CURRENT_FINDING_STATES
            for f in queries.findings_page(FindingFilter(file_id=item.file_id, state=state), limit=MAX_SPANS)
        ]
        if len(spans) >= MAX_SPANS:
            note = _("No context: more than {count} findings in this file.").format(count=format_count(MAX_SPANS))
        else:
            context = masked_context(meta["root"], meta["rel_path"], meta["encoding"], spans, (item.start, item.end),
                                     file_meta=meta)  # fmt: skip
            note = _("No context: the file is missing, inside an archive, unreadable, or changed since it was scanned.")
    return Detail(item, meta, siblings, total, context, note)
