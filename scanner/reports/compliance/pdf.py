"""HTML to PDF with headless Chromium (Debian: chromium): the page prints as it shows, fonts and SVG included.

Chromium reads the page from a private temporary folder with a fresh profile, networking off, and writes the
PDF there; the caller gets the bytes. Set CUSTOS_CHROMIUM to a browser binary to use another one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from scanner.i18n import _

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120
HEADLESS_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio",
)  # fmt: skip


class RendererMissing(RuntimeError):
    """No headless browser to print the PDF with."""


class RenderFailed(RuntimeError):
    """The browser ran but did not produce the file."""


def find_browser() -> str:
    """The Chromium binary to print with: $CUSTOS_CHROMIUM, else the first of BROWSERS on PATH."""
    configured = os.environ.get("CUSTOS_CHROMIUM")
    if configured:
        if shutil.which(configured):
            return shutil.which(configured) or configured
        raise RendererMissing(_("CUSTOS_CHROMIUM={program}: no such program").format(program=configured))
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise RendererMissing(
        _("a PDF needs headless Chromium, which is not installed: apt-get install chromium (or set CUSTOS_CHROMIUM), "
          "or write --format html and print it from a browser")
    )  # fmt: skip


def run_headless(html: str, *extra: str, output_name: str | None = None) -> tuple[bytes | None, str]:
    """Open ``html`` in headless Chromium with ``extra`` flags; returns (the bytes of ``output_name`` written in
    the working folder, or None; what the browser printed on stdout)."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="custos-report-") as work:  # mode 0700: the page names files
        page = Path(work, "report.html")
        page.write_text(html, encoding="utf-8")
        flags = [f"--user-data-dir={Path(work, 'profile')}", *HEADLESS_FLAGS]
        if output_name:
            extra = tuple(e.replace("{out}", str(Path(work, output_name))) for e in extra)
        try:
            done = subprocess.run([browser, *flags, *extra, page.as_uri()], capture_output=True, timeout=TIMEOUT_S,
                                  stdin=subprocess.DEVNULL, cwd=work)  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderFailed(f"{browser}: {exc}") from None
        out = Path(work, output_name) if output_name else None
        data = out.read_bytes() if out and out.exists() and out.stat().st_size else None
        if output_name and data is None:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [_("no message")]
            raise RenderFailed(_("{browser} wrote no {name} (exit {code}: {message})").format(
                browser=browser, name=output_name, code=done.returncode, message=tail[0]))  # fmt: skip
        return data, done.stdout.decode("utf-8", "replace")


def html_to_pdf(html: str) -> bytes:
    data, _stdout = run_headless(html, "--no-pdf-header-footer", "--print-to-pdf={out}", output_name="report.pdf")
    assert data is not None
    return data
