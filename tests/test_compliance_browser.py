"""Issue 17 part 1 in a real browser: headless Chromium renders the compliance report to PNG (the charts are there
and drawn), its DOM holds the SVG charts and no plain value, and the PDF's text (pdftotext) reads as the report.
Skipped, saying why, only where Chromium or pdftotext is not installed (.ci/run installs both)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.reports.compliance.pdf import BROWSERS, run_headless
from tests.action_fixtures import cli_env, custos
from tests.report_fixtures import PLAIN_VALUES, build_report_db

NO_BROWSER = "Chromium is not installed (apt-get install chromium)"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not any(map(shutil.which, BROWSERS)), reason=NO_BROWSER)]


@pytest.fixture(scope="module")
def db(tmp_path_factory, packs, detector) -> Path:
    return build_report_db(tmp_path_factory.mktemp("browser"), packs, detector)


@pytest.fixture(scope="module")
def html(db, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("html") / "report.html"
    done = custos("report", "compliance", "--db", db, "--output", out, env=cli_env(LANG="zh_CN.UTF-8"))
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8")


def test_chromium_renders_the_page_with_its_charts(html):
    from PIL import Image

    png, _ = run_headless(html, "--hide-scrollbars", "--window-size=1100,2600", "--screenshot={out}",
                          output_name="page.png")  # fmt: skip
    assert png is not None and len(png) > 50_000
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (1100, 2600)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 200  # text, tables and anti-aliased charts: far from a blank page
    bar_red = sum(n for n, (r, g, b) in colours if r > 180 and g < 110 and b < 120)  # sensitive bars, alarm cards
    assert bar_red > 500


def test_the_dom_holds_the_charts_and_no_plain_value(html):
    _, dom = run_headless(html, "--dump-dom")
    assert dom.count("<svg") == 4 and dom.count("<text") > 20
    assert "按类型统计的发现项" in dom and "居民身份证号" in dom
    assert "<script" not in dom
    for value in PLAIN_VALUES:
        assert value not in dom


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext is not installed (apt-get install poppler-utils)"
)
def test_the_pdf_reads_as_the_report(db, tmp_path):
    out = tmp_path / "report.pdf"
    done = custos("report", "compliance", "--db", db, "--format", "pdf", "--lang", "en", "--output", out)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-") and out.stat().st_mode & 0o777 == 0o600
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "Personal information compliance report" in text
    assert re.search(r"Open zone violations\s+1", text) and "Encrypted files nobody could inspect" in text
    assert "Findings by type" in text and "CN_RESIDENT_ID" in text  # a chart's label, kept as text
    for value in PLAIN_VALUES:
        assert value not in text
    zh = tmp_path / "报告.pdf"
    assert (
        custos("report", "compliance", "--db", db, "--format", "pdf", "--lang", "zh_CN", "--output", zh).returncode == 0
    )
    chinese = subprocess.run(["pdftotext", str(zh), "-"], capture_output=True, text=True, check=True).stdout
    assert "个人信息保护合规报告" in chinese and "审计链" in chinese and "居民身份证号" in chinese


def test_a_missing_browser_is_one_line(db, tmp_path):
    done = custos("report", "compliance", "--db", db, "--format", "pdf", "--output", tmp_path / "r.pdf",
                  env=cli_env(CUSTOS_CHROMIUM="no-such-browser"))  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "CUSTOS_CHROMIUM=no-such-browser: no such program" in done.stderr
    assert not (tmp_path / "r.pdf").exists()
