"""Helpers for tests that run the real `custos` CLI in a subprocess and inspect exactly what it wrote."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What a terminal must never receive from a file: C0/C1 controls, DEL, bidi controls, zero-width characters.
FORBIDDEN = {chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]} | set(
    "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "250", **extra}
    env.pop("CUSTOS_REVIEWER", None)
    return env


def custos(*args: str | bytes | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m scanner.cli`` with this tree's code; stdout and stderr captured as bytes."""
    argv = [sys.executable, "-m", "scanner.cli", *(os.fspath(a) for a in args)]
    return subprocess.run(argv, capture_output=True, env=env or cli_env(), timeout=300)


def clean_text(data: bytes) -> str:
    """``data`` as text, asserting it is valid UTF-8 holding no control, bidi or zero-width character but "\\n"."""
    text = data.decode("utf-8")  # strict: a raw non-UTF-8 byte from a file name fails here
    leaked = sorted({repr(c) for c in text if c in FORBIDDEN and c != "\n"})
    assert not leaked, f"raw characters reached the terminal: {leaked}\n{text[-2000:]}"
    return text


def _read_terminal(master: int, proc: subprocess.Popen, timeout: float, answer: bytes | None = None) -> bytes:
    """Everything the child writes to the terminal ``master`` until it exits (or ``timeout``), typing ``answer``
    once when it asks "to go on: "; closes ``master`` and reaps the child."""
    out, answered, deadline = b"", answer is None, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed its side
                    break
                if not chunk:
                    break
                out += chunk
            if not answered and b"to go on: " in out:
                os.write(master, answer)
                answered = True
            if proc.poll() is not None and not ready:
                break
    finally:
        os.close(master)
        proc.wait(timeout=30)
    return out


def custos_on_a_terminal(*args: str | Path, answer: bytes, timeout: float = 120) -> str:
    """Run the CLI with a pseudo-terminal as stdin/stdout/stderr (so it asks for confirmation), type ``answer``
    once it has asked, and return everything it wrote (the terminal's CRLF line ends turned back into LF)."""
    master, slave = pty.openpty()
    argv = [sys.executable, "-m", "scanner.cli", *(os.fspath(a) for a in args)]
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=cli_env(), close_fds=True)
    os.close(slave)
    out = _read_terminal(master, proc, timeout, answer)
    # The terminal echoes the typed answer and ends lines with CRLF; neither comes from a file name.
    return out.replace(answer.rstrip(b"\n") + b"\r\n", b"").replace(b"\r\n", b"\n").decode("utf-8")


def custos_on_a_terminal_of(columns: int, *args: str | Path, timeout: float = 120) -> str:
    """Run the CLI with a pseudo-terminal ``columns`` cells wide as stdout (no $COLUMNS to override it) and return
    what it wrote, CRLF turned back into LF."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {k: v for k, v in cli_env().items() if k not in ("COLUMNS", "LINES")}
    argv = [sys.executable, "-m", "scanner.cli", *(os.fspath(a) for a in args)]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = _read_terminal(master, proc, timeout)
    assert proc.returncode == 0, proc.stderr.read().decode(errors="replace")
    return out.replace(b"\r\n", b"\n").decode("utf-8")
