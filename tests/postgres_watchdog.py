"""Stops a throwaway PostgreSQL when the process that started it is gone (tests/postgres_server.py).

Usage: ``python postgres_watchdog.py FOLDER STOP_COMMAND...``. It waits for its stdin to close: the starting
process writes "stopped" before closing it after a clean stop; an end without that word means the starter died
(SIGKILL, a crash before atexit), and the server is stopped with STOP_COMMAND and FOLDER removed ("" keeps it).
"""

import shutil
import subprocess
import sys

if __name__ == "__main__":
    said = sys.stdin.buffer.read()
    if b"stopped" not in said:
        folder, stop_command = sys.argv[1], sys.argv[2:]
        subprocess.run(stop_command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
