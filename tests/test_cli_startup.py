"""Commands that do not scan (status, propose, audit verify, …) must not pay for loading Presidio and spaCy."""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_and_the_daemon_main_process_load_no_detection_engine():
    code = (
        "import sys, scanner.cli as cli, scanner.daemon.daemon\n"
        "cli._parser()\n"
        "print(sorted(m for m in ('presidio_analyzer', 'spacy', 'scanner.scan') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
