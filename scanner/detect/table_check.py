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

from scanner.i18n import N_, _


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
        return _("a table")
    if isinstance(value, list):
        return _("an array")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, known: Collection[str], prefix: str = "") -> str:
    """`` (did you mean 'x'?)`` for a near miss, else the list of what is known."""
    close = _closest(word, known)
    if close:
        return _(" (did you mean {name!r}?)").format(name=prefix + close)
    return _("; known: {names}").format(names=", ".join(sorted(prefix + k for k in known)))


def located(where: str, problem: str) -> str:
    """``problem`` found at ``where`` (a rule, a pattern, a key), as one line."""
    return _("{where}: {problem}").format(where=where, problem=problem)


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
            yield _("unknown key {key!r}{hint}").format(key=prefix + name, hint=did_you_mean(name, shape, prefix))
    for name, key in shape.items():
        if name in table:
            yield from key.check.problems(table[name], prefix + name)
        elif key.required and name not in suggested:
            yield _("missing required key {key!r}").format(key=prefix + name)


@dataclass(frozen=True)
class Value:
    """A scalar that ``ok`` accepts; ``expected`` says what a good one looks like ("a number between 0 and 1").

    ``message``, when given, replaces the usual line; it may use ``{key}`` and ``{value}``. Both are marked with
    N_ and translated here; ``expected`` may name ``bounds`` as placeholders ("between {low} and {high}").
    """

    expected: str
    ok: Callable[[Any], bool]
    message: str | None = None
    bounds: Mapping[str, int] | None = None

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not self.ok(value):
            template = _(self.message) if self.message else _("{key!r} must be {expected}, got {value}")
            expected = _(self.expected).format(**(self.bounds or {}))
            yield template.format(key=key, expected=expected, value=show(value))


@dataclass(frozen=True)
class OneOf:
    """A name from a known set (looked up when checked, so the set may live in a module loaded later)."""

    names: Callable[[], Collection[str]]

    def problems(self, value: Any, key: str) -> Iterator[str]:
        names = self.names()
        if not isinstance(value, str):
            yield _("{key!r} must be a string, got {value}").format(key=key, value=show(value))
        elif value not in names:
            yield _("unknown {key} {value!r}{hint}").format(key=key, value=value, hint=did_you_mean(value, names))


@dataclass(frozen=True)
class Regex:
    """A regular expression that compiles with ``flags`` (the engine's own flags)."""

    flags: int = 0

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, str):
            yield _("{key!r} must be a regular expression string, got {value}").format(key=key, value=show(value))
            return
        try:
            re.compile(value, self.flags)
        except re.error as exc:
            yield _("{key!r} does not compile: {error}").format(key=key, error=exc)


@dataclass(frozen=True)
class ListOf:
    """An array whose every item passes ``item``."""

    item: Check

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, list):
            yield _("{key!r} must be an array, got {value}").format(key=key, value=show(value))
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
            yield _("{key!r} must be a table, got {value}").format(key=key, value=show(value))
            return
        yield from table_problems(value, self.shape, key + ".")
        for constraint in self.constraints:
            yield from (located(key, line) for line in constraint(value))


@dataclass(frozen=True)
class Tables:
    """An array of tables (``[[rules]]``, ``patterns = [{...}]``); each item is named by ``label`` in messages.

    ``unique`` names a key whose values must differ between items (rule ids).
    """

    shape: Shape
    label: Callable[[Mapping[str, Any], int], str]
    constraints: tuple[Constraint, ...] = ()
    unique: str | None = None
    expected: str = N_("an array of tables")

    def problems(self, value: Any, key: str) -> Iterator[str]:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            yield _("{key!r} must be {expected}, got {value}").format(
                key=key, expected=_(self.expected), value=show(value)
            )
            return
        seen: set[Any] = set()
        for index, item in enumerate(value):
            where = self.label(item, index)
            yield from (located(where, line) for line in table_problems(item, self.shape))
            for constraint in self.constraints:
                yield from (located(where, line) for line in constraint(item))
            mark = item.get(self.unique) if self.unique else None
            if isinstance(mark, str):
                if mark in seen:
                    yield located(where, _("{key} {value!r} is defined twice").format(key=self.unique, value=mark))
                seen.add(mark)


@dataclass(frozen=True)
class Refused:
    """A key that must not be there, with the reason a user can act on."""

    reason: str

    def problems(self, value: Any, key: str) -> Iterator[str]:
        yield _(self.reason)
