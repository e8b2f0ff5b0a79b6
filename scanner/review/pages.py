"""Pages of the findings screen: files or findings under a filter, one page at a time, clamped to the last page."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.store.review import COUNT_CAP, FileItem, FindingFilter, FindingItem, ReviewQueries

VIEWS = ("files", "findings")


@dataclass(frozen=True)
class Page:
    """The rows of one page, the offset they start at (after clamping) and how many match in all: exactly, or
    (``exact`` False) at least ``total`` when counting stopped there ("10,001+")."""

    rows: list[FindingItem] | list[FileItem]
    offset: int
    total: int
    exact: bool = True


def read_page(queries: ReviewQueries, view: str, flt: FindingFilter, sort: str, offset: int | None, size: int, *,
              after: FindingItem | None = None, before: FindingItem | None = None) -> Page:  # fmt: skip
    """The page at ``offset`` (None: the last page; past the end: the last page) of ``view``. Counting stops a
    little past the page asked for (`COUNT_CAP` at least), unless the last page is: that needs the whole count.

    The next or previous page of findings is found from the page shown: ``after`` its last row or ``before`` its
    first (``offset`` is then where that page starts, for the row numbers), an index seek however deep; a jump
    (first, last, a new filter) reads by ``offset``."""
    files = view == "files"
    count = queries.count_files if files else queries.count_findings
    cap = None if offset is None else max(COUNT_CAP, offset + 2 * size)
    total = count(flt, cap)
    exact = cap is None or total <= cap
    last = max(0, (total - 1) // size * size)
    if not files and offset is not None and offset <= last and (after is not None or before is not None):
        rows = queries.findings_page(flt, sort=sort, limit=size, after=after, before=before)
        if rows:
            return Page(rows, offset, total, exact)
    if not files and offset is None:  # the last page: read from the end, not past every row before it
        return Page(queries.findings_page(flt, sort=sort, limit=total - last, at_end=True), last, total, exact)
    offset = last if offset is None else min(offset, last)
    page = queries.files_page if files else queries.findings_page
    return Page(page(flt, sort=sort, offset=offset, limit=size), offset, total, exact)
