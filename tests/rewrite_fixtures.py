"""Helpers shared by the rewriter tests: the mask they expect and a masker that checks what it is given."""

from __future__ import annotations

from scanner.actions.rewrite.base import Edit, RewriteError


def mask(value: str) -> str:
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


def masker_for(expected: dict[int, str], seen: list[int] | None = None):
    """Like the real masker: refuses (RewriteError) when the text at the edit is not the value that was scanned."""

    def masker(edit: Edit, value: str) -> str:
        if value != expected[edit.finding_id]:
            raise RewriteError(f"finding {edit.finding_id}: found {value!r}, expected {expected[edit.finding_id]!r}")
        if seen is not None:
            seen.append(edit.finding_id)
        return mask(value)

    return masker
