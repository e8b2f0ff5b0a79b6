"""The compliance report as Markdown: the same blocks as the HTML page, tables as pipe tables, charts left out
(their numbers are in the tables beside them)."""

from __future__ import annotations

from scanner.display import safe
from scanner.reports.compliance.catalogue import Words
from scanner.reports.compliance.layout import Block, Chart, Facts, Heading, KeyFigures, Note, Table


def render_markdown(blocks: list[Block], words: Words) -> str:
    lines: list[str] = []
    colon = "：" if words.chinese else ": "
    for block in blocks:
        lines += _block(block, colon)
        lines.append("")
    lines.append(f"_{words('charts_in_html')}_")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    """One table cell or line: escaped for the eye, and nothing a Markdown reader would take as markup."""
    text = safe(value)
    for char in ("|", "*", "_", "`", "<", ">", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text


def _block(block: Block, colon: str) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + _cell(block.text)]
    if isinstance(block, Facts):
        return [f"- **{_cell(k)}**{colon}{_cell(v)}" for k, v in block.items]
    if isinstance(block, Note):
        return [f"**{_cell(block.text)}**" if block.warn else _cell(block.text)]
    if isinstance(block, KeyFigures):
        return [f"- {_cell(label)}{colon}**{_cell(value)}**" for label, value, _ in block.items]
    if isinstance(block, Chart):
        return []
    return _table(block)


def _table(table: Table) -> list[str]:
    align = ["---:" if i in table.numeric else "---" for i in range(len(table.columns))]
    lines = ["| " + " | ".join(_cell(c) for c in table.columns) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines
