"""Which record of a file a finding belongs to: the key that lets values of one person be linked.

A record is the smallest part of a file that describes one person: a spreadsheet or CSV row, a JSON object that
is an element of an array (a customer in an export), an HTML form, a paragraph of prose (a contract's party
block, separated from the next by a blank line), a Word table row. The key is a short text, like a location
("Sheet1!7", "line 4", "object at line 12", "form at line 30", "paragraph at line 8"), unique within its file.

`RecordSpans` watches a file's plain-text blocks as they pass to detection (one regular-expression pass per
block, so the scan does not slow) and answers for an offset; every other location gives its record itself
(`record_of_location`), which is also the fallback for findings stored before records were kept.
"""

from __future__ import annotations

import bisect
import re
from array import array

from scanner.extract.base import TextBlock

ROW_SUFFIXES = frozenset({".csv", ".tsv", ".jsonl", ".ndjson", ".log", ".sql"})  # one line, one record
JSON_SUFFIXES = frozenset({".json"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

_SHEET_CELL = re.compile(r"(?P<sheet>.+)!\$?[A-Z]{1,3}\$?(?P<row>\d+)")
_TABLE_CELL = re.compile(r"(?P<row>table \d+ row \d+) col \d+")
_ATTACHMENT = re.compile(r"(?P<prefix>attachment .+?) (?P<rest>line \d+|\S+![A-Z]{1,3}\d+|table \d+ row \d+ col \d+)")
_PICTURE_BOX = re.compile(r"(?P<picture>.+) box \d+,\d+,\d+,\d+")
_BLANK_LINE = re.compile(r"\n[ \t\r\u3000]*\n")
_JSON_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]]')
_FORM_TAG = re.compile(r"<(/?)form\b[^<>]{0,4000}>", re.I)


def record_of_location(location: str) -> str:
    """The record a location lies in, from the location alone: a cell's row, else the location itself."""
    if match := _SHEET_CELL.fullmatch(location):
        return f"{match['sheet']}!{match['row']}"
    if match := _TABLE_CELL.fullmatch(location):
        return match["row"]
    if match := _PICTURE_BOX.fullmatch(location):  # a picture read by OCR is one record (an ID card: one person)
        return record_of_location(match["picture"])
    if match := _ATTACHMENT.fullmatch(location):
        return f"{match['prefix']} {record_of_location(match['rest'])}"
    return location


class RecordSpans:
    """Record boundaries of one file's plain text, learnt from its blocks in order; `key` maps a finding."""

    def __init__(self, suffix: str) -> None:
        self.kind = (
            "row" if suffix in ROW_SUFFIXES else
            "object" if suffix in JSON_SUFFIXES else
            "form" if suffix in HTML_SUFFIXES else
            "paragraph"
        )  # fmt: skip
        self.starts = array("q")  # record intervals, in order: start offset, end offset, first line
        self.ends = array("q")
        self.lines = array("q")
        self.outer: list[tuple[int, int, int]] = []  # JSON: top-level objects, around the element objects
        self._line = 1  # line number at the start of the next plain block
        self._open: list[tuple[str, int, int]] = []  # open JSON containers or form: (kind, start, line)
        self._carry = ""  # the unfinished last line of the previous block (JSON, HTML)
        self._paragraph = (0, 1)  # start and first line of the paragraph under way

    def feed(self, block: TextBlock) -> None:
        """Learn the boundaries in a plain-text block (cells and located blocks carry their own)."""
        if block.location is not None or block.cells or self.kind == "row":
            return
        if self.kind == "paragraph":
            self._paragraphs(block.text, block.offset)
        elif self.kind == "object":
            self._objects(block.text, block.offset)
        else:
            self._forms(block.text, block.offset)
        self._line += block.text.count("\n")

    def finish(self) -> None:
        """The end of the text: the last paragraph ends, a JSON file's last line is read."""
        if self.kind == "paragraph":
            start, line = self._paragraph
            self._interval(start, 1 << 62, line)
        elif self._carry:  # JSON or HTML: the last line, when the text does not end with a line end
            (self._objects if self.kind == "object" else self._forms)("\n", self._carry_at + len(self._carry))

    def key(self, offset: int, location: str) -> str:
        """The record of a finding at ``offset`` (whole-text index) located at ``location``."""
        if location.startswith("line ") and self.kind != "row":
            at = bisect.bisect_right(self.starts, offset) - 1
            if at >= 0 and offset < self.ends[at]:
                return f"{self.kind} at line {self.lines[at]}"
            for start, end, line in self.outer:
                if start <= offset < end:
                    return f"{self.kind} at line {line}"
        return record_of_location(location)

    def _interval(self, start: int, end: int, line: int) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.lines.append(line)

    def _paragraphs(self, text: str, offset: int) -> None:
        line, counted = self._line, 0
        for match in _BLANK_LINE.finditer(text):
            line += text.count("\n", counted, match.end())
            counted = match.end()
            start, first = self._paragraph
            self._interval(start, offset + match.start(), first)
            self._paragraph = (offset + match.end(), line)

    def _objects(self, text: str, offset: int) -> None:
        """Objects that are an array's elements (not inside another such object), and top-level objects."""
        text, offset, cut = self._whole_lines(text, offset)
        line, counted = self._line, 0  # the carried part holds no line end: it is on this block's first line
        stack = self._open
        for match in _JSON_TOKEN.finditer(text, 0, cut):
            token = match.group()
            if token[0] == '"':
                continue
            if token in "{[":
                line += text.count("\n", counted, match.start())
                counted = match.start()
                stack.append((token, offset + match.start(), line))
            elif stack:
                kind, start, first = stack.pop()
                if kind != "{":
                    continue
                if not stack:
                    self.outer.append((start, offset + match.end(), first))
                elif stack[-1][0] == "[" and not _inside_element(stack):
                    self._interval(start, offset + match.end(), first)

    def _whole_lines(self, text: str, offset: int) -> tuple[str, int, int]:
        """The block with the previous one's unfinished last line before it, and where its own last line starts:
        read up to there, so no token (a JSON string, a form tag on one line) is cut between blocks."""
        text, offset = self._carry + text, offset - len(self._carry)
        cut = text.rfind("\n") + 1
        self._carry, self._carry_at = text[cut:], offset + cut
        return text, offset, cut

    _carry_at = 0

    def _forms(self, text: str, offset: int) -> None:
        text, offset, cut = self._whole_lines(text, offset)
        line, counted = self._line, 0
        for match in _FORM_TAG.finditer(text, 0, cut):
            line += text.count("\n", counted, match.start())
            counted = match.start()
            if not match.group(1):
                self._open = [("form", offset + match.start(), line)]
            elif self._open:
                _, start, first = self._open.pop()
                self._interval(start, offset + match.end(), first)


def _inside_element(stack: list[tuple[str, int, int]]) -> bool:
    """Whether an array-element object is open around this point (a customer's nested orders stay in it)."""
    return any(kind == "{" and i > 0 and stack[i - 1][0] == "[" for i, (kind, _, _) in enumerate(stack))
