"""Plain-text extractor: the canonically decoded file, unparsed, so offsets match the scorer's text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scanner.extract.base import TextBlock
from scanner.extract.decode import detect_encoding, iter_text

# Markup, data and configuration formats are scanned as their raw text: tags and quotes cost nothing, and
# offsets then index the file itself. Files of any other name are read as text too when their content is text
# (scanner.extract.sniff); these are the ones also split, shown in context and masked as text.
PLAIN_TEXT_SUFFIXES = frozenset(
    {
        ".txt", ".md", ".log", ".csv", ".tsv", ".json", ".jsonl", ".xml", ".html", ".htm",
        ".sql", ".ini", ".cfg", ".conf", ".yaml", ".yml", ".toml", ".properties", ".vcf", ".ldif", ".srt",
    }
)  # fmt: skip


class PlainTextExtractor:
    """Yields a plain-text file as consecutive TextBlocks whose texts concatenate to its decoded content."""

    def __init__(self, block_chars: int = 1 << 20) -> None:
        self.block_chars = block_chars
        self.encoding: str | None = None

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        """Stream `path`; raises ExtractionError for binary, undecodable or unreadable files."""
        self.encoding = None  # never report the previous file's encoding for one that failed
        encoding = detect_encoding(path)
        self.encoding = encoding
        offset = 0
        for text in iter_text(path, encoding, self.block_chars):
            yield TextBlock(text, offset)
            offset += len(text)
