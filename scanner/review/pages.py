"""Pages of the findings screen: files or findings under a filter, one page at a time, clamped to the last page."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.store.review import FileItem, FindingFilter, FindingItem, ReviewQueries

VIEWS = ("files", "findings")


@dataclass(frozen=True)
class Page:
    """The rows of one page, the offset they start at (after clamping) and how many match in all."""

    rows: list[FindingItem] | list[FileItem]
    offset: int
    total: int


def read_page(queries: ReviewQueries, view: str, flt: FindingFilter, sort: str, offset: int | None, size: int
              ) -> Page:  # fmt: skip
    """The page at ``offset`` (None: the last page; past the end: the last page) of ``view``."""
    files = view == "files"
    total = queries.count_files(flt) if files else queries.count_findings(flt)
    last = max(0, (total - 1) // size * size)
    offset = last if offset is None else min(offset, last)
    page = queries.files_page if files else queries.findings_page
    return Page(page(flt, sort=sort, offset=offset, limit=size), offset, total)
