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
    assert _printed_by(code) == "[]"


def test_a_scan_loads_no_other_command_and_help_still_lists_every_command():
    code = (
        "import sys, scanner.cli as cli\n"
        "cli._parser(cli._command_named(['scan', '/x', '--jobs', '1']))\n"
        "print(sorted(m for m in sys.modules if m.startswith('scanner.cli_') or m.startswith('scanner.alerts')))\n"
    )
    assert _printed_by(code) == "[]"
    helped = subprocess.run([sys.executable, "-m", "scanner.cli", "--help"], capture_output=True, text=True)
    assert all(command in helped.stdout for command in ("scan", "review", "propose", "audit", "db", "alerts"))
    scan_help = subprocess.run([sys.executable, "-m", "scanner.cli", "scan", "--help"], capture_output=True, text=True)
    assert "--jobs" in scan_help.stdout and scan_help.returncode == 0


def _printed_by(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter (so only its own imports are loaded)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
