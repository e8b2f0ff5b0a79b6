"""The compliance report as one self-contained HTML page: inline CSS and inline SVG charts, no script, no link to
anything outside the file, laid out for screen and for A4 print (the PDF is this page printed)."""

from __future__ import annotations

from html import escape

from scanner.display import safe
from scanner.reports.compliance.catalogue import Words
from scanner.reports.compliance.layout import Block, Chart, Facts, Heading, KeyFigures, Note, Table

STYLE = """
:root{--ink:#1d2733;--muted:#5b6775;--line:#d8dee6;--accent:#1f5f8b;--alarm:#b3261e;--paper:#ffffff}
*{box-sizing:border-box}
body{margin:0;background:#eef2f6;color:var(--ink);font:14px/1.55 "Microsoft YaHei","PingFang SC",
 "Noto Sans CJK SC","WenQuanYi Micro Hei","Helvetica Neue",Arial,sans-serif}
main{max-width:980px;margin:24px auto;background:var(--paper);padding:32px 40px;border-radius:6px;
 box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:26px;margin:0 0 12px;color:var(--accent)}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:15px;margin:20px 0 6px;color:var(--muted)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.facts dt{color:var(--muted)} dl.facts dd{margin:0;word-break:break-all}
p.note{margin:6px 0} p.warn{color:var(--alarm);font-weight:600}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin:10px 0}
.figure{border:1px solid var(--line);border-radius:6px;padding:10px 12px;border-top:4px solid var(--accent)}
.figure.alarm{border-top-color:var(--alarm)} .figure .value{font-size:24px;font-weight:700}
.figure.alarm .value{color:var(--alarm)} .figure .label{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:12.5px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top;word-break:break-all}
th{background:#f3f6f9;font-weight:600} td.num{text-align:right;white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
figure.chart{margin:12px 0;text-align:center} svg.chart{max-width:100%;height:auto}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@page{size:A4;margin:14mm 12mm}
@media print{body{background:#fff} main{margin:0;max-width:none;box-shadow:none;padding:0}
 h2{break-after:avoid} figure.chart,tr,.figure{break-inside:avoid}}
"""


def render_html(blocks: list[Block], words: Words) -> str:
    lang = "zh-CN" if words.chinese else "en"
    title = next((b.text for b in blocks if isinstance(b, Heading)), "")
    body = "\n".join(_block(b) for b in blocks)
    return (
        f"<!doctype html>\n<html lang='{lang}'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>{escape(words('privacy'))}</footer>\n</main>\n</body>\n</html>\n"
    )


def _text(value: object) -> str:
    """Shown text: escaped once for the eye (`scanner.display.safe`), then for HTML."""
    return escape(safe(value))


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        anchor = f" id='{escape(block.anchor)}'" if block.anchor else ""
        return f"<h{block.level}{anchor}>{_text(block.text)}</h{block.level}>"
    if isinstance(block, Facts):
        items = "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in block.items)
        return f"<dl class='facts'>{items}</dl>"
    if isinstance(block, Note):
        return f"<p class='note{' warn' if block.warn else ''}'>{_text(block.text)}</p>"
    if isinstance(block, KeyFigures):
        cards = "".join(
            f"<div class='figure{' alarm' if alarm else ''}'><div class='value'>{_text(value)}</div>"
            f"<div class='label'>{_text(label)}</div></div>"
            for label, value, alarm in block.items
        )
        return f"<div class='figures'>{cards}</div>"
    if isinstance(block, Chart):
        return f"<figure class='chart'>{block.svg}</figure>"
    return _table(block)


def _table(table: Table) -> str:
    head = "".join(f"<th>{_text(c)}</th>" for c in table.columns)
    rows = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in table.numeric else ''}>{_text(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
