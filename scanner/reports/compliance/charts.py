"""The report's charts as inline SVG (matplotlib), labels kept as text in a CJK font so Chinese reads as Chinese.

Each chart is a string to put straight into the HTML: no XML declaration, no DOCTYPE, no metadata links, its
element ids prefixed so several charts live in one page. The font is found with matplotlib's font manager
(Debian: fonts-wqy-microhei or fonts-noto-cjk); the SVG names it first and then the common CJK fonts of other
systems, so a reader's browser falls back to one it has.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from functools import cache

from scanner.i18n import _
from scanner.i18n.numbers import format_count

CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Droid Sans Fallback",
             "AR PL UMing CN")  # fmt: skip
FALLBACK_FAMILIES = "'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
PALETTE = ("#1f5f8b", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f", "#30638e", "#a5a58d")
SENSITIVITY_COLOURS = {"sensitive": "#d1495b", "general": "#1f5f8b", "organization": "#8d99ae"}
_counter = itertools.count(1)


class ChartFontMissing(RuntimeError):
    """No font with Chinese glyphs is installed: Chinese labels would be drawn as boxes."""


@cache
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _pyplot(chinese: bool):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    font = cjk_font()
    if font is None and chinese:
        raise ChartFontMissing(
            _(
                "no Chinese font for the charts: install one (Debian: apt-get install fonts-wqy-microhei) or give "
                "--lang en"
            )
        )
    pyplot.rcParams.update({
        "svg.fonttype": "none",  # text stays text: searchable, and the PDF's text layer holds the labels
        "svg.hashsalt": "custos",  # the same report draws the same ids
        "font.family": [font or "DejaVu Sans", "DejaVu Sans"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
    })  # fmt: skip
    return pyplot


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int], *, chinese: bool,
              colours: Sequence[str] | None = None) -> str:  # fmt: skip
    """Horizontal bars, the largest on top, each with its count."""
    plt = _pyplot(chinese)
    height = 0.9 + 0.32 * max(len(labels), 1)
    fig, ax = plt.subplots(figsize=(7.2, height))
    positions = list(range(len(labels)))[::-1]
    bars = ax.barh(positions, values, color=list(colours or [PALETTE[0]] * len(values)), height=0.65)
    ax.set_yticks(positions, labels=list(labels))
    ax.bar_label(bars, labels=[format_count(v) for v in values], padding=3, fontsize=9)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.margins(x=0.12)
    return _svg(fig, plt, title)


def stacked_bar_chart(title: str, labels: Sequence[str], segments: dict[str, Sequence[int]], *, chinese: bool) -> str:
    """Horizontal bars made of segments (e.g. actions of each kind by state), with a legend."""
    plt = _pyplot(chinese)
    fig, ax = plt.subplots(figsize=(7.2, 1.4 + 0.36 * max(len(labels), 1)))
    positions = list(range(len(labels)))[::-1]
    left = [0] * len(labels)
    for colour, (name, values) in zip(itertools.cycle(PALETTE), segments.items()):
        ax.barh(positions, values, left=left, label=name, color=colour, height=0.6)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, labels=list(labels))
    for y, total in zip(positions, left, strict=True):
        ax.text(total, y, " " + format_count(total), va="center", fontsize=9)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.margins(x=0.1)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0 if len(labels) > 2 else 1.05), ncol=min(len(segments), 5),
              frameon=False, fontsize=9, bbox_transform=ax.transAxes, borderaxespad=1.6)  # fmt: skip
    return _svg(fig, plt, title)


def line_chart(title: str, x_labels: Sequence[str], series: dict[str, Sequence[int]], *, x_title: str,
               chinese: bool) -> str:  # fmt: skip
    """One line per series over the scan runs, markers on every point."""
    plt = _pyplot(chinese)
    fig, ax = plt.subplots(figsize=(7.2, 3.0))
    xs = list(range(len(x_labels)))
    for colour, (name, values) in zip(PALETTE, series.items(), strict=False):
        ax.plot(xs, list(values), marker="o", markersize=4, linewidth=2, color=colour, label=name)
    step = max(1, len(xs) // 8)
    ax.set_xticks(xs[::step], labels=list(x_labels)[::step], fontsize=8)
    ax.set_xlabel(x_title)
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_title(title, loc="left", fontsize=12, fontweight="bold")
    ax.legend(frameon=False, fontsize=9)
    return _svg(fig, plt, title)


def _svg(fig, plt, title: str) -> str:
    buffer = io.StringIO()
    fig.tight_layout()
    fig.savefig(buffer, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    plt.close(fig)
    return inline_svg(buffer.getvalue(), title)


def inline_svg(document: str, title: str) -> str:
    """An SVG document made fit to inline: prolog and namespace URLs dropped, ids unique in the page, a title
    for screen readers, and the CJK fallback fonts after the one matplotlib named."""
    from html import escape

    svg = document[document.index("<svg") :]
    svg = re.sub(r'\s(?:xmlns(?::\w+)?|version)="[^"]*"', "", svg, count=0)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    prefix = f"c{next(_counter)}-"
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', svg)
    svg = re.sub(r"(font(?:-family)?:[^;\"]*?)'([^']+)'", rf"\1'\2', {FALLBACK_FAMILIES}", svg)
    svg = svg.replace("<svg ", '<svg role="img" class="chart" ', 1)
    head_end = svg.index(">") + 1
    return f"{svg[:head_end]}<title>{escape(title)}</title>{svg[head_end:]}"
