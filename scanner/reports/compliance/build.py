"""One compliance report, start to end: gather from the database, lay out in one language, render a format."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scanner import i18n
from scanner.reports.compliance.catalogue import Words
from scanner.reports.compliance.gather import gather
from scanner.reports.compliance.layout import layout
from scanner.reports.compliance.render_html import render_html
from scanner.reports.compliance.render_md import render_markdown

FORMATS = ("html", "md", "pdf")
SUFFIXES = {"html": ".html", "md": ".md", "pdf": ".pdf"}


def build_report(db: Path, *, fmt: str, language: str, zone: ZoneInfo, since: datetime | None = None) -> bytes:
    """The report's bytes (UTF-8 text for html and md), in ``language`` (zh_CN or en) whatever the interface's."""
    logging.getLogger("matplotlib").setLevel(logging.ERROR)  # "font weight bold not found": synthesised, fine
    report = gather(db, since=since)
    with _in_language(language):
        words = Words(language)
        blocks = layout(report, words, zone, with_charts=fmt != "md")
        if fmt == "md":
            return render_markdown(blocks, words).encode("utf-8")
        html = render_html(blocks, words)
    if fmt == "pdf":
        from scanner.reports.compliance.pdf import html_to_pdf

        return html_to_pdf(html)
    return html.encode("utf-8")


@contextmanager
def _in_language(code: str) -> Iterator[None]:
    """``code`` as the active language while the report is laid out, the interface's again after."""
    previous = i18n.language()
    i18n.set_language(code)
    try:
        yield
    finally:
        i18n.set_language(previous)
