"""The panels of the finding detail: the file, the finding and "why it fired", and the masked context.

Rich `Text` built from stored, masked data only (previews, masked context lines); never markup, so a path or
a context line can never be read as styling, and every value escaped by `scanner.display.safe`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len
from rich.text import Text

from scanner.display import safe, safe_text
from scanner.i18n import N_, _
from scanner.i18n.entity_names import entity_name, sensitivity_name
from scanner.i18n.numbers import format_count
from scanner.review.records import FindingItem
from tui.vocabulary import term

SENSITIVITY_STYLE = {"sensitive": "bold red", "organization": "yellow"}


def _rows(pairs: list[tuple[str, str | Text]]) -> Text:
    labels = [_(label) for label, _value in pairs]  # marked with N_ where the panels list them
    width = max(cell_len(label) for label in labels)
    text = Text()
    for i, (label, (_label, value)) in enumerate(zip(labels, pairs, strict=True)):
        text.append(("\n" if i else "") + label + " " * (width - cell_len(label) + 2), style="dim")
        text.append(value if isinstance(value, Text) else safe(value))
    return text


def _size(size: object) -> str:
    return _("{size} bytes").format(size=format_count(size)) if isinstance(size, int) else _("unknown")


def file_panel(meta: Mapping[str, object]) -> Text:
    sha = meta.get("sha256")
    return _rows([
        (N_("path"), f"{meta['root']}/{meta['shown_path']}"),  # escaped by _rows, like every value here
        (N_("size"), _size(meta.get("size"))),
        ("sha256", f"{sha[:16]}…" if isinstance(sha, str) else _("not hashed")),
        (N_("encoding"), str(meta.get("encoding") or "—")),
        (N_("status"), term(str(meta.get("status")))),
        (N_("scanned at"), str(meta.get("scanned_at") or "—")),
        (N_("scans"), str(meta.get("scan_count"))),
    ])  # fmt: skip


def why_it_fired(item: FindingItem) -> str:
    if item.context_word:
        return _("context word “{word}” near the value").format(word=item.context_word)
    return _("pattern and validator alone (no context word)")


def finding_panel(item: FindingItem) -> Text:
    return _rows([
        (N_("type"), entity_name(item.entity_type)),
        (N_("sensitivity"), safe_text(sensitivity_name(item.sensitivity),
                                      style=SENSITIVITY_STYLE.get(item.sensitivity, ""))),
        (N_("preview"), safe_text(item.preview, style="bold")),
        (N_("location"), item.location),
        (N_("score"), f"{item.score:.2f}"),
        (N_("rule"), item.rule),
        (N_("why it fired"), why_it_fired(item)),
        (N_("flags"), ", ".join(item.flags) or _("none")),
        (N_("state"), term(item.state) + (_(" · action: {action}").format(action=term(item.action))
                                          if item.action else "")),
    ])  # fmt: skip


def context_panel(lines: list[tuple[int, str]] | None, note: str, preview: str) -> Text:
    """Numbered masked lines, the shown finding's preview highlighted; ``note`` when there are none."""
    if not lines:
        return safe_text(note, style="italic")
    width = len(str(lines[-1][0]))
    text = Text()
    for i, (number, line) in enumerate(lines):
        text.append(("\n" if i else "") + f"{number:>{width}} │ ", style="dim")
        text.append(safe(line))
    text.highlight_words([safe(preview)], style="reverse bold")
    return text
