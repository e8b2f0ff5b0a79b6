"""Custos at company scale on PostgreSQL: millions of findings, the review UI's real queries, each < 200 ms.

    python bench/pg_scale.py                      # 1,000,000 files, 10,000,000 findings (issue 18's target)
    python bench/pg_scale.py --quick              # 100,000 files, 1,000,000 findings
    python bench/pg_scale.py --files 20000 --findings 200000 --runs 3      # the CI smoke size
    python bench/pg_scale.py --url postgresql://me@db.example/postgres --keep

A throwaway PostgreSQL is started from Debian's binaries (tests/postgres_server.py), unless --url names a server
(a fresh database is then made in it, and dropped at the end unless --keep). The schema is the store's own (a
`Store` opened on the empty database creates it through scanner/store/engine.py's DDL); synthetic rows in its
shape (bench/pg_rows.py) are bulk-loaded with COPY, secondary indexes dropped during the load and built after
it, then VACUUM ANALYZE. Then the review UI's reads are timed through the code it runs: `read_page` over
`ReviewQueries` (the findings and files pages, as ReviewService.page does: a Store opened per read) and
`read_dashboard` (ReviewService.dashboard). Each is run --runs times; the median and the slowest are printed
against the 200 ms target. Statements slower than the target are listed with the plan auto_explain logged for them
(own server only), which says which index is missing.

The queue half of the issue's benchmark: 4 workers draining the work queue concurrently (FOR UPDATE SKIP LOCKED
claims with leases), jobs/s, and no job claimed twice (bench/pg_queue.py; --workers, --queue-jobs).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO)]

from pg_queue import queue_drain  # noqa: E402
from pg_rows import (  # noqa: E402
    ACTION_COLUMNS,
    EXPOSURE_COLUMNS,
    FILE_COLUMNS,
    FINDING_COLUMNS,
    Shape,
    action_rows,
    exposure_rows,
    file_rows,
    finding_rows,
    findings_per_file,
)

from tests.postgres_server import PostgresServer  # noqa: E402

TARGET_MS = 200.0
PAGE_SIZE = 500  # the findings screen's page
QUICK = (100_000, 1_000_000)
FULL = (1_000_000, 10_000_000)
# A benchmark server: durable nothing, memory for sorts and index builds, and the plan of each statement slower
# than the target in the server's log.
SERVER_SETTINGS = {
    "shared_buffers": "'2GB'",
    "work_mem": "'64MB'",
    "maintenance_work_mem": "'1GB'",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'30min'",
    "autovacuum": "off",  # the load is followed by one VACUUM ANALYZE; autovacuum would race it
    "shared_preload_libraries": "'auto_explain'",
    "auto_explain.log_min_duration": f"'{int(TARGET_MS)}ms'",
    "auto_explain.log_format": "'text'",
    "log_line_prefix": "'@@ '",
}
LOADED_TABLES = ("files", "findings", "actions", "action_findings", "file_exposure")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    settings = {**SERVER_SETTINGS, **dict(item.split("=", 1) for item in args.set)}
    server = PostgresServer(url=args.url) if args.url else PostgresServer.start(settings=settings)
    print(f"server: {'given' if args.url else 'throwaway'}, ready in {server.started_s:.2f} s", flush=True)
    try:
        url = server.new_database()
        shape = Shape(args.files, args.findings, hosts=args.hosts)
        create_schema(url)
        load(url, shape)
        results = time_review_reads(url, args.runs)
        report_slow_statements(server)
        queue_drain(url, workers=args.workers, jobs=args.queue_jobs)
    finally:
        if args.keep:
            print(f"kept: {url}" + ("" if args.url else f" (server in {server.base_dir}; stop it with pg_ctl)"))
        else:
            server.stop()
    slow = [name for name, ms in results.items() if statistics.median(ms) > TARGET_MS]
    print(f"\ntotal {time.perf_counter() - began:.1f} s; over {TARGET_MS:.0f} ms: {', '.join(slow) or 'none'}")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, help=f"files to load (default {FULL[0]:,}; --quick {QUICK[0]:,})")
    parser.add_argument("--findings", type=int, help=f"findings to load (default {FULL[1]:,}; --quick {QUICK[1]:,})")
    parser.add_argument("--quick", action="store_true", help="the small size")
    parser.add_argument("--hosts", type=int, default=4, help="file servers the files are spread over")
    parser.add_argument("--runs", type=int, default=5, help="times each read is timed")
    parser.add_argument("--workers", type=int, default=4, help="workers draining the work queue at once")
    parser.add_argument("--queue-jobs", type=int, default=20_000, help="jobs queued for them (default 20,000)")
    parser.add_argument("--url", help="a PostgreSQL server to use instead of a throwaway one (a database is made)")
    parser.add_argument("--keep", action="store_true", help="leave the database (and the server) behind")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of the throwaway server, e.g. --set jit=off (repeatable)")  # fmt: skip
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    args.files = args.files or size[0]
    args.findings = args.findings if args.findings is not None else size[1]
    return args


def create_schema(url: str) -> None:
    """The store's own schema: a Store opened on the empty database creates it (engine.py's DDL)."""
    from scanner.store.store import Store

    with Store(url):
        pass


# --- the load ---------------------------------------------------------------------------------------------


def load(url: str, shape: Shape) -> None:
    print(f"load: {shape.files:,} files, {shape.findings:,} findings on {shape.hosts} hosts", flush=True)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign-key triggers per row while loading
        indexes = drop_secondary_indexes(conn)
        columns = table_columns(conn)
        copy_scan_runs_and_hosts(conn, shape, columns)
        counts = findings_per_file(shape)
        with_host = "host" in columns["files"]
        file_columns = ["id", *(["host"] if with_host else []), *FILE_COLUMNS[1:]]
        timed_copy(conn, "files", file_columns, file_rows(shape, with_host), shape.files)
        scans = scan_of_file(shape)
        timed_copy(conn, "findings", FINDING_COLUMNS, finding_rows(shape, counts, scans), shape.findings)
        actions, links = action_rows(shape, counts)
        timed_copy(conn, "actions", ACTION_COLUMNS, actions, len(actions))
        timed_copy(conn, "action_findings", ["action_id", "finding_id"], links, len(links))
        exposure = list(exposure_rows(shape))
        timed_copy(conn, "file_exposure", EXPOSURE_COLUMNS, exposure, len(exposure))
        rebuild_indexes(conn, indexes)
        for table in ("scan_runs", "files", "findings", "actions"):  # new rows' ids continue after the loaded ones
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        count_summaries(url)
        step = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE {time.perf_counter() - step:.1f} s", flush=True)
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        files, findings = conn.execute(
            "SELECT (SELECT count(*) FROM files), (SELECT count(*) FROM findings)"
        ).fetchone()
        if (files, findings) != (shape.files, shape.findings):
            raise SystemExit(
                f"loaded {files:,} files and {findings:,} findings, not {shape.files:,}/{shape.findings:,}"
            )
        print(f"  loaded {files:,} files, {findings:,} findings; database size {size}", flush=True)


def count_summaries(url: str) -> None:
    """The review's kept totals (scanner/store/summaries.py) for the loaded rows: what the scans' writes would have
    kept, counted once by `custos db recount`'s code."""
    from scanner.store.store import Store

    try:
        from scanner.store.summaries import recount
    except ImportError:  # a checkout from before the kept totals
        return
    step = time.perf_counter()
    with Store(url) as store, store.transaction():
        found = recount(store.connection)
    print(f"  recount of the kept totals: {found.files:,} files in {time.perf_counter() - step:.1f} s", flush=True)


def table_columns(conn: psycopg.Connection) -> dict[str, set[str]]:
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
    ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


def scan_of_file(shape: Shape) -> Callable[[int], int]:
    """The scan run of each file: one run per host, in file_rows's order of hosts (same seed)."""
    import numpy as np

    hosts = np.random.default_rng(shape.seed + 1).integers(0, shape.hosts, shape.files)
    return lambda file_id: int(hosts[file_id - 1]) + 1


def copy_scan_runs_and_hosts(conn: psycopg.Connection, shape: Shape, columns: dict[str, set[str]]) -> None:
    with_host = "host" in columns["scan_runs"]
    for h in range(shape.hosts):
        values = [h + 1, shape.root(h), "2026-11-20T09:00:00+08:00", "completed", "cn-core@1.4.0", "bench"]
        names = "id, root, started_at, status, packs, tool_version" + (", host" if with_host else "")
        marks = ", ".join(["%s"] * (len(values) + with_host))
        conn.execute(f"INSERT INTO scan_runs ({names}) VALUES ({marks})", [*values, *([shape.host(h)] * with_host)])
        if "hosts" in columns:
            seen = "2026-11-20T09:00:00+08:00"
            conn.execute("INSERT INTO hosts (id, hostname, first_seen, last_seen) VALUES (%s, %s, %s, %s)",
                         [shape.host(h), shape.host(h), seen, seen])  # fmt: skip


def timed_copy(conn: psycopg.Connection, table: str, columns: Iterable[str], rows: Iterable[tuple], count: int) -> None:
    step = time.perf_counter()
    names = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - step
    print(f"  COPY {table}: {count:,} rows in {seconds:.1f} s ({count / max(seconds, 1e-9):,.0f} rows/s)", flush=True)


def drop_secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """The loaded tables' indexes that no constraint owns: dropped now, built again after the load."""
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname"
        " WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
        [list(LOADED_TABLES)],
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return rows


def rebuild_indexes(conn: psycopg.Connection, indexes: list[tuple[str, str]]) -> None:
    for name, definition in indexes:
        step = time.perf_counter()
        conn.execute(definition)
        print(f"  index {name}: {time.perf_counter() - step:.1f} s", flush=True)


# --- the reads ----------------------------------------------------------------------------------------------


def review_reads(url: str) -> dict[str, Callable[[], object]]:
    """The review UI's reads, each as ReviewService runs it: a Store opened for the read, then the read."""
    from scanner.review.dashboard import read_dashboard
    from scanner.review.pages import read_page
    from scanner.store.review import FindingFilter, ReviewQueries
    from scanner.store.store import Store

    def page(view: str, flt: FindingFilter, sort: str, offset: int | None, after: bool = False
             ) -> Callable[[], object]:  # fmt: skip
        """A page read as ReviewService reads it; ``after``: as the findings screen reads the next page, from the
        last row of the one before it (read once here, untimed)."""
        shown = None
        if after:  # (a small store may not have the page before: then it is read by offset)
            with Store(url) as store:
                before = ReviewQueries(store).findings_page(flt, sort=sort, offset=offset - PAGE_SIZE, limit=PAGE_SIZE)
            shown = before[-1] if before else None

        def read() -> object:
            with Store(url) as store:
                return read_page(ReviewQueries(store), view, flt, sort, offset, PAGE_SIZE, after=shown)

        return read

    def dashboard() -> object:
        with Store(url) as store:
            return read_dashboard(store, time.time())

    def open_store() -> object:
        with Store(url) as store:
            return store

    everything, sensitive = FindingFilter(), FindingFilter(sensitivity="sensitive")
    one_type = FindingFilter(entity_types=("CN_BANK_CARD",))
    return {
        "open a Store (part of every read)": open_store,
        "findings page (first, by path)": page("findings", everything, "path", 0),
        "findings page (first, by score)": page("findings", everything, "score", 0),
        "findings page (first, by sensitivity)": page("findings", everything, "sensitivity", 0),
        "findings page (sensitive, by type)": page("findings", sensitive, "type", 0),
        "findings page (one type, page 20)": page("findings", one_type, "path", 20 * PAGE_SIZE, after=True),
        "findings page (by score, page 20)": page("findings", everything, "score", 20 * PAGE_SIZE, after=True),
        "findings page (one type, jump to page 20)": page("findings", one_type, "path", 20 * PAGE_SIZE),
        "findings page (last page, by path)": page("findings", everything, "path", None),
        "findings page (search '客户')": page("findings", FindingFilter(search="客户"), "path", 0),
        "files page (first, by findings)": page("files", everything, "findings", 0),
        "files page (first, by path)": page("files", everything, "path", 0),
        "dashboard": dashboard,
    }


def time_review_reads(url: str, runs: int) -> dict[str, list[float]]:
    print(f"\nreview reads ({runs} runs each; target {TARGET_MS:.0f} ms)", flush=True)
    results: dict[str, list[float]] = {}
    for name, read in review_reads(url).items():
        times = []
        try:
            for _ in range(runs):
                step = time.perf_counter()
                read()
                times.append((time.perf_counter() - step) * 1000)
        except Exception as exc:  # one read failing on this engine does not hide the others' numbers
            print(f"  {name:<38} FAILED: {type(exc).__name__}: {one_line(str(exc))[:200]}", flush=True)
            results[name] = [float("inf")]
            continue
        results[name] = times
        median = statistics.median(times)
        verdict = "ok" if median <= TARGET_MS else "SLOW"
        print(f"  {name:<38} median {median:8.1f} ms  max {max(times):8.1f} ms  {verdict}", flush=True)
    return results


def report_slow_statements(server: PostgresServer) -> None:
    """The statements slower than the target, from the plans auto_explain logged for them (own server only):
    slowest first, each with its mean time, calls and plan, which names the scan an index would avoid."""
    if server.base_dir is None or not server.log_file.exists():
        print("\n(slow statements: listed only on the benchmark's own server)")
        return
    slow: dict[str, list] = {}  # statement -> [durations, plan]
    text = server.log_file.read_text(encoding="utf-8", errors="replace")
    for entry in text.split("@@ ")[1:]:
        match = re.search(r"duration: ([\d.]+) ms\s+plan:\s*\n\s*Query Text: (.*?)\n(.*)", entry, re.S)
        if match and not match.group(2).lstrip().upper().startswith(("COPY", "CREATE", "VACUUM", "SELECT SETVAL")):
            seen = slow.setdefault(one_line(match.group(2)), [[], match.group(3)])
            seen[0].append(float(match.group(1)))
    if not slow:
        print(f"\nno statement over {TARGET_MS:.0f} ms")
        return
    print(f"\nstatements over {TARGET_MS:.0f} ms, slowest first (auto_explain's plans):")
    for query, (durations, plan) in sorted(slow.items(), key=lambda item: -statistics.mean(item[1][0])):
        print(f"\n  {statistics.mean(durations):8.1f} ms x {len(durations)}  {query[:600]}")
        print("    " + "\n    ".join(line.rstrip() for line in plan.strip().splitlines()[:30]))


def one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":
    raise SystemExit(main())
