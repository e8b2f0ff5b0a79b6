"""Checking a parsed TOML table against a declared shape: every problem is one line naming the key.

A shape is data: a mapping of key name to `Key` (a check and whether the key is required). The checks are
small value kinds (`Value`, `OneOf`, `Regex`, `ListOf`, `Table`, `Tables`, `Refused`); each yields problem
lines for one value and never stops at the first. Used by the rule-pack schema (`pack_schema.py`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Check(Protocol):
    """One kind of value: ``problems`` yields a line for each thing wrong with ``value`` found at ``key``."""

    def problems(self, value: Any, key: str) -> Iterator[str]: ...


@dataclass(frozen=True)
class Key:
    """One key a table may hold."""

    check: Check
    required: bool = False


Shape = Mapping[str, Key]
Constraint = Callable[[Mapping[str, Any]], Iterator[str]]  # a rule spanning several keys of one table


def show(value: Any) -> str:
    """A value as a message shows it: short, and in TOML's words for tables and arrays."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, known: Collection[str], prefix: str = "") -> str:
    """`` (did you mean 'x'?)`` for a near miss, else the list of what is known."""
    close = _closest(word, known)
    if close:
        return f" (did you mean {prefix + close!r}?)"
    return f"; known: {', '.join(sorted(prefix + k for k in known))}"


def _closest(word: str, known: Collection[str]) -> str | None:
    close = difflib.get_close_matches(word, list(known), n=1)
    return close[0] if close else None


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def table_problems(table: Mapping[str, Any], shape: Shape, prefix: str = "") -> Iterator[str]:
    """Unknown keys (with a suggestion), missing required keys, then each present key's own problems.

    A required key that an unknown key was suggested for is not reported again as missing: one typo, one line.
    """
    suggested = set()
    for name in table:
        if name not in shape:
            suggested.add(_closest(name, shape))
            yield f"unknown key {prefix + name!r}{did_you_mean(name, shape, prefix)}"
    for name, key in shape.items():
        if name in table:
            yield from key.check.problems(table[name], prefix + name)
        elif key.required and name not in suggested:
            yield f"missing required key {prefix + name!r}"


@dataclass(frozen=True)
class Value:
    """A scalar that ``ok`` accepts; ``expected`` says what a good one looks like ("a number between 0 and 1").

    ``message``, when given, replaces the usual line; it may use ``{key}`` and ``{value}``.
    """

    expected: str
    ok: Callable[[Any], bool]
    message: str | None = None

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not self.ok(value):
            template = self.message or "{key!r} must be {expected}, got {value}"
            yield template.format(key=key, expected=self.expected, value=show(value))


@dataclass(frozen=True)
class OneOf:
    """A name from a known set (looked up when checked, so the set may live in a module loaded later)."""

    names: Callable[[], Collection[str]]

    def problems(self, value: Any, key: str) -> Iterator[str]:
        names = self.names()
        if not isinstance(value, str):
            yield f"{key!r} must be a string, got {show(value)}"
        elif value not in names:
            yield f"unknown {key} {value!r}{did_you_mean(value, names)}"


@dataclass(frozen=True)
class Regex:
    """A regular expression that compiles with ``flags`` (the engine's own flags)."""

    flags: int = 0

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, str):
            yield f"{key!r} must be a regular expression string, got {show(value)}"
            return
        try:
            re.compile(value, self.flags)
        except re.error as exc:
            yield f"{key!r} does not compile: {exc}"


@dataclass(frozen=True)
class ListOf:
    """An array whose every item passes ``item``."""

    item: Check

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, list):
            yield f"{key!r} must be an array, got {show(value)}"
            return
        for index, item in enumerate(value):
            yield from self.item.problems(item, f"{key}[{index}]")


@dataclass(frozen=True)
class Table:
    """An inline or standard table with its own shape; its keys are named ``key.inner`` in messages."""

    shape: Shape
    constraints: tuple[Constraint, ...] = ()

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, dict):
            yield f"{key!r} must be a table, got {show(value)}"
            return
        yield from table_problems(value, self.shape, key + ".")
        for constraint in self.constraints:
            yield from (f"{key}: {line}" for line in constraint(value))


@dataclass(frozen=True)
class Tables:
    """An array of tables (``[[rules]]``, ``patterns = [{...}]``); each item is named by ``label`` in messages.

    ``unique`` names a key whose values must differ between items (rule ids).
    """

    shape: Shape
    label: Callable[[Mapping[str, Any], int], str]
    constraints: tuple[Constraint, ...] = ()
    unique: str | None = None
    expected: str = "an array of tables"

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            yield f"{key!r} must be {self.expected}, got {show(value)}"
            return
        seen: set[Any] = set()
        for index, item in enumerate(value):
            where = self.label(item, index)
            yield from (f"{where}: {line}" for line in table_problems(item, self.shape))
            for constraint in self.constraints:
                yield from (f"{where}: {line}" for line in constraint(item))
            mark = item.get(self.unique) if self.unique else None
            if isinstance(mark, str):
                if mark in seen:
                    yield f"{where}: {self.unique} {mark!r} is defined twice"
                seen.add(mark)


@dataclass(frozen=True)
class Refused:
    """A key that must not be there, with the reason a user can act on."""

    reason: str

    def problems(self, value: Any, key: str) -> Iterator[str]:
        yield self.reason
