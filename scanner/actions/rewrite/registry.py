"""Which in-place masker handles which file, by suffix; None means the file cannot be masked in place."""

from __future__ import annotations

from pathlib import Path

from scanner.actions.rewrite.base import Rewriter
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES
from scanner.extract.registry import format_label


def rewriter_for(path: Path) -> Rewriter | None:
    label = format_label(path)
    if label in PLAIN_TEXT_SUFFIXES:
        from scanner.actions.rewrite.text import TextRewriter

        return TextRewriter()
    if label in (".xlsx", ".xlsm"):
        from scanner.actions.rewrite.xlsx import XlsxRewriter

        return XlsxRewriter()
    if label == ".docx":
        from scanner.actions.rewrite.docx import DocxRewriter

        return DocxRewriter()
    return None
