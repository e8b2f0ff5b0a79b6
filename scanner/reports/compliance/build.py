"""One compliance report, start to end: gather from the database, lay out in one language, render a format."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from scanner.reports.compliance.catalogue import Words
from scanner.reports.compliance.gather import gather
from scanner.reports.compliance.layout import layout
from scanner.reports.compliance.render_html import render_html
from scanner.reports.compliance.render_md import render_markdown

FORMATS = ("html", "md", "pdf")
SUFFIXES = {"html": ".html", "md": ".md", "pdf": ".pdf"}


def build_report(db: Path, *, fmt: str, language: str, zone: ZoneInfo, since: datetime | None = None) -> bytes:
    """The report's bytes (UTF-8 text for html and md)."""
    logging.getLogger("matplotlib").setLevel(logging.ERROR)  # "font weight bold not found": synthesised, fine
    words = Words(language)
    report = gather(db, since=since)
    blocks = layout(report, words, zone, with_charts=fmt != "md")
    if fmt == "md":
        return render_markdown(blocks, words).encode("utf-8")
    html = render_html(blocks, words)
    if fmt == "pdf":
        from scanner.reports.compliance.pdf import html_to_pdf

        return html_to_pdf(html)
    return html.encode("utf-8")
