"""The reviewer's selection on the findings screen: findings picked one by one, and whole files.

UI state only (ids, never domain objects); the propose keys act on it. A whole file supersedes findings picked
from it, and unpicking one finding of a wholly selected file unselects the file.
"""

from __future__ import annotations

from scanner.review.records import FileItem, FindingItem

MARKED, PARTLY = "●", "◐"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class Selection:
    def __init__(self) -> None:
        self.findings: dict[int, int] = {}  # finding id → its file id
        self.files: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.findings or self.files)

    def clear(self) -> None:
        self.findings, self.files = {}, set()

    def toggle(self, item: FindingItem | FileItem) -> None:
        if isinstance(item, FileItem):
            if item.id in self.files:
                self.files.discard(item.id)
            else:
                self.files.add(item.id)
                self.findings = {f: file for f, file in self.findings.items() if file != item.id}
        elif item.file_id in self.files:
            self.files.discard(item.file_id)
        elif self.findings.pop(item.id, None) is None:
            self.findings[item.id] = item.file_id

    def add_findings(self, file_id: int, finding_ids: list[int]) -> None:
        self.files.discard(file_id)
        self.findings.update(dict.fromkeys(finding_ids, file_id))

    def marks(self, items: list[FindingItem | FileItem]) -> list[str]:
        """The mark of each row: ● selected, ◐ a file some of whose findings are selected."""
        partly = set(self.findings.values())
        marks = []
        for item in items:
            if isinstance(item, FindingItem):
                marks.append(MARKED if item.id in self.findings or item.file_id in self.files else "")
            else:
                marks.append(MARKED if item.id in self.files else PARTLY if item.id in partly else "")
        return marks

    def targets(self) -> tuple[list[int], list[int]]:
        """(finding ids, file ids) for `ProposeScreen`."""
        return sorted(self.findings), sorted(self.files)

    def describe(self) -> str:
        parts = [_count(len(self.findings), "finding")] if self.findings else []
        parts += [_count(len(self.files), "whole file")] if self.files else []
        return "selected: " + ", ".join(parts)


def describe_hidden(findings: int, files: int) -> str:
    """How much of the selection the filter hides (it is proposed all the same): '' when nothing is hidden."""
    parts = [_count(findings, "finding")] if findings else []
    parts += [_count(files, "whole file")] if files else []
    return f"{' and '.join(parts)} of them hidden by the filter" if parts else ""
