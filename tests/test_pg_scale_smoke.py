"""bench/pg_scale.py's smoke size runs end to end on PostgreSQL: rows loaded, every review read timed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer

REPO = Path(__file__).resolve().parents[1]
READS = ("findings page (first, by path)", "findings page (one type, page 20)", "files page (first, by findings)",
         "dashboard")  # fmt: skip


@pytest.mark.slow
@pytest.mark.postgres
def test_pg_scale_smoke_loads_the_rows_and_times_every_read(postgres_server: PostgresServer) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "bench" / "pg_scale.py"),
            "--files",
            "2000",
            "--findings",
            "20000",
            "--runs",
            "1",
            "--queue-jobs",
            "2000",
            "--url",
            postgres_server.url,
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        check=False,
    )
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr + out
    assert re.search(r"COPY findings: 20,000 rows in \d+\.\d s \([\d,]+ rows/s\)", out), out
    assert "loaded 2,000 files, 20,000 findings" in out
    for read in READS:
        assert re.search(rf"{re.escape(read)}\s+median\s+\d+\.\d ms", out), out
    assert "FAILED" not in out
    for how in ("claim + complete", "each result recorded under the write lock"):  # 4 workers, no job twice
        assert re.search(
            rf"queue drain \(4 workers, {re.escape(how)}\): 2,000 jobs in [\d.]+ s = [\d,]+ jobs/s; claims 2,000"
            r" \(.*\), duplicates 0, lost 0, other host's jobs claimed 0 \(500 of 500 left queued\)",
            out,
        ), out
