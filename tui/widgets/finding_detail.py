"""The panels of the finding detail: the file, the finding and "why it fired", and the masked context.

Rich `Text` built from stored, masked data only (previews, masked context lines); never markup, so a path or
a context line can never be read as styling, and every value escaped by `scanner.display.safe`.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text

from scanner.display import safe, safe_text
from scanner.review.records import FindingItem

SENSITIVITY_STYLE = {"sensitive": "bold red", "organization": "yellow"}


def _rows(pairs: list[tuple[str, str | Text]]) -> Text:
    width = max(len(label) for label, _ in pairs)
    text = Text()
    for i, (label, value) in enumerate(pairs):
        text.append(("\n" if i else "") + f"{label:<{width}}  ", style="dim")
        text.append(value if isinstance(value, Text) else safe(value))
    return text


def _size(size: object) -> str:
    return f"{size:,} bytes" if isinstance(size, int) else "unknown"


def file_panel(meta: Mapping[str, object]) -> Text:
    sha = meta.get("sha256")
    return _rows([
        ("path", f"{meta['root']}/{meta['shown_path']}"),  # escaped by _rows, like every value here
        ("size", _size(meta.get("size"))),
        ("sha256", f"{sha[:16]}…" if isinstance(sha, str) else "not hashed"),
        ("encoding", str(meta.get("encoding") or "—")),
        ("status", str(meta.get("status"))),
        ("scanned at", str(meta.get("scanned_at") or "—")),
        ("scans", str(meta.get("scan_count"))),
    ])  # fmt: skip


def why_it_fired(item: FindingItem) -> str:
    if item.context_word:
        return f"context word “{item.context_word}” near the value"
    return "pattern and validator alone (no context word)"


def finding_panel(item: FindingItem) -> Text:
    return _rows([
        ("type", item.entity_type),
        ("sensitivity", safe_text(item.sensitivity, style=SENSITIVITY_STYLE.get(item.sensitivity, ""))),
        ("preview", safe_text(item.preview, style="bold")),
        ("location", item.location),
        ("score", f"{item.score:.2f}"),
        ("rule", item.rule),
        ("why it fired", why_it_fired(item)),
        ("flags", ", ".join(item.flags) or "none"),
        ("state", item.state + (f" · action: {item.action}" if item.action else "")),
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
