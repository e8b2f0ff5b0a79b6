"""Saved HTML pages: the raw text as plain text, plus the values that forms keep in attributes.

A saved form holds what was typed in `<input value="…">` and `<option value="…" selected>`; detection
blanks markup (scanner.detect.normalize.blank_markup), so those values would never be seen. This extractor
yields the page exactly as the plain-text extractor does (offsets index the file), and after each block one
cell per filled-in field: the value's own span in the file, labelled like a table column by what names the
field (`<label for>`, aria-label, placeholder, title, name, id, and the text just before it). Text between
tags (a `<textarea>`'s content, table cells) is ordinary text and is found by the plain pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scanner.extract.base import Cell, TextBlock
from scanner.extract.plaintext import PlainTextExtractor

_FIELD_TAG = re.compile(r"<(/?)(input|option|select)\b([^<>]{0,4000})>", re.I)
_LABEL = re.compile(r"<label\b([^<>]{0,2000})>(.{0,400}?)</label\s*>", re.I | re.S)
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_TAG = re.compile(r"<[^<>]{0,4000}>")
_SPACES = re.compile(r"\s+")
_NOT_DATA = frozenset({"submit", "button", "reset", "image", "file", "password", "color", "range"})
_CHOICES = frozenset({"checkbox", "radio"})  # their value is data only when the box is ticked
_NAMING_ATTRIBUTES = ("aria-label", "placeholder", "title", "name", "id")
_PREVIOUS_FIELD = ("<input", "</select", "</textarea")
_TEXT_BEFORE = 200  # characters searched back for a label written as text ("手机号码：<input …>")


@dataclass(frozen=True)
class _Attribute:
    value: str
    start: int  # of the value, in the text the tag was found in


class HtmlExtractor(PlainTextExtractor):
    """Plain-text blocks of the page, each followed by cell blocks for the form values inside it."""

    def blocks(self, path: Path) -> Iterator[TextBlock]:
        labels: dict[str, str] = {}  # <label for=id> text, kept across blocks (a label may come first)
        newlines = 0
        for block in super().blocks(path):
            yield block
            yield from form_values(block.text, block.offset, newlines + 1, labels)
            newlines += block.text.count("\n")


def form_values(text: str, offset: int, first_line: int, labels: dict[str, str] | None = None) -> Iterator[TextBlock]:
    """One single-cell block per filled-in form field of ``text`` (which starts at ``offset``, on line
    ``first_line``); the cell is labelled by what names the field, lower-cased."""
    labels = {} if labels is None else labels
    for match in _LABEL.finditer(text):
        target = _attributes(match.group(1), 0).get("for")
        if target and target.value:
            labels[target.value] = _plain(match.group(2))
    select_label = ""
    for match in _FIELD_TAG.finditer(text):
        closing, tag = match.group(1), match.group(2).lower()
        if tag == "select":
            attrs = _attributes(match.group(3), match.start(3))
            select_label = "" if closing else _field_label(attrs, labels, text, match.start())
            continue
        if closing:
            continue
        attrs = _attributes(match.group(3), match.start(3))
        value = attrs.get("value")
        if value is None or not value.value.strip():
            continue
        if tag == "option":
            if "selected" not in attrs:
                continue
            label = select_label
        else:
            kind = attrs["type"].value.lower() if "type" in attrs else "text"
            if kind in _NOT_DATA or (kind in _CHOICES and "checked" not in attrs):
                continue
            label = _field_label(attrs, labels, text, match.start())
        start = value.start
        end = start + len(value.value.rstrip())
        start += len(value.value) - len(value.value.lstrip())
        location = f"line {first_line + text.count(chr(10), 0, start)}"
        # A line end after the value keeps it apart from the next cell's when cells are detected together.
        yield TextBlock(text[start:end] + "\n", offset + start, None, (Cell(0, end - start, location, label or None),))


def _attributes(source: str, base: int) -> dict[str, _Attribute]:
    """Attribute name (lower-cased) → value and its position; a bare attribute (`selected`) has value ''."""
    found: dict[str, _Attribute] = {}
    for match in _ATTRIBUTE.finditer(source):
        name = match.group(1).lower()
        group = next((g for g in (2, 3, 4) if match.group(g) is not None), None)
        if group is None:
            found.setdefault(name, _Attribute("", base + match.end()))
        else:
            found.setdefault(name, _Attribute(match.group(group), base + match.start(group)))
    return found


def _field_label(attrs: dict[str, _Attribute], labels: dict[str, str], text: str, tag_start: int) -> str:
    """What names a field: its <label for>, naming attributes and the text right before its tag."""
    parts = []
    if "id" in attrs and attrs["id"].value in labels:
        parts.append(labels[attrs["id"].value])
    parts += [attrs[name].value for name in _NAMING_ATTRIBUTES if name in attrs and attrs[name].value]
    before = _plain(_last_text(text[max(0, tag_start - _TEXT_BEFORE) : tag_start]))
    if before:
        parts.append(before)
    return " ".join(dict.fromkeys(parts)).lower()


def _last_text(window: str) -> str:
    """The last run of text between tags in ``window`` ("手机号码：" in "<td>手机号码：</td><td>"), not
    reaching back past the previous field."""
    lowered = window.lower()
    window = window[max(0, *(lowered.rfind(tag) for tag in _PREVIOUS_FIELD)) :]
    pieces = [p for p in _TAG.split(window) if p.strip()]
    return pieces[-1][-30:] if pieces else ""


def _plain(markup: str) -> str:
    return _SPACES.sub(" ", _TAG.sub(" ", markup)).strip()
