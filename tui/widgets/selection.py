"""The reviewer's selection on the findings screen: findings picked one by one, and whole files.

UI state only (ids, never domain objects); the propose keys act on it. A whole file supersedes findings picked
from it, and unpicking one finding of a wholly selected file unselects the file.
"""

from __future__ import annotations

from scanner.i18n import _, ngettext
from scanner.i18n.numbers import format_count
from scanner.review.records import FileItem, FindingItem
from tui.vocabulary import listed

MARKED, PARTLY = "●", "◐"


def _findings(n: int) -> str:
    return ngettext("{count} finding", "{count} findings", n).format(count=format_count(n))


def _whole_files(n: int) -> str:
    return ngettext("{count} whole file", "{count} whole files", n).format(count=format_count(n))


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
        parts = [_findings(len(self.findings))] if self.findings else []
        parts += [_whole_files(len(self.files))] if self.files else []
        return _("selected: {what}").format(what=listed(parts))


def describe_hidden(findings: int, files: int) -> str:
    """How much of the selection the filter hides (it is proposed all the same): '' when nothing is hidden."""
    if findings and files:
        return _("{findings} and {files} of them hidden by the filter").format(
            findings=_findings(findings), files=_whole_files(files)
        )
    if findings or files:
        return _("{what} of them hidden by the filter").format(what=_findings(findings) if findings else
                                                                    _whole_files(files))  # fmt: skip
    return ""
