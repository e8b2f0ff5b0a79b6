"""Extract stage: turn files into text blocks for detection, or say precisely why a file yields none."""

from scanner.extract.base import ExtractionError, Extractor, TextBlock
from scanner.extract.plaintext import PLAIN_TEXT_SUFFIXES, PlainTextExtractor

__all__ = ["PLAIN_TEXT_SUFFIXES", "ExtractionError", "Extractor", "PlainTextExtractor", "TextBlock"]
