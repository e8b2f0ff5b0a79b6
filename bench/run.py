"""One-command benchmark: custos vs stock Presidio on the same generated corpus; prints a small table.

    python bench/run.py            # ~20 MB corpus, stock Presidio on a 2 MB subset (a few minutes)
    python bench/run.py --quick    # ~2 MB corpus, 0.25 MB subset: the CI smoke mode (well under a minute)
    python bench/run.py --mb 50 --stock-mb 4

Each engine runs in a child process of its own (bench/measure.py), so its peak RSS is its own. Then custos
scans a mixed-format corpus (bench/formats.py: csv, txt, xlsx, docx, pdf, eml, zip), one fresh DB per
format, in a third child process, and a "Per format (custos)" table follows.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))  # a checkout works without installing

from corpus import CorpusFile, generate, link_into  # noqa: E402  (bench/ is on sys.path when run as a script)
from formats import FORMATS, generate_formats  # noqa: E402

CHUNK_CHARS = 100_000  # what a Presidio user passes to analyze() at a time
SEED = 7


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    total_mb = args.mb if args.mb is not None else (2.0 if args.quick else 20.0)
    stock_mb = args.stock_mb if args.stock_mb is not None else (0.25 if args.quick else 2.0)
    format_mb = args.format_mb if args.format_mb is not None else (0.12 if args.quick else 1.5)
    workdir = Path(tempfile.mkdtemp(prefix="custos-bench-"))
    try:
        started = time.perf_counter()
        files = generate(workdir / "corpus", int(total_mb * 1e6), seed=args.seed)
        generated_s = time.perf_counter() - started
        subset = _link_subset(files, workdir / "corpus", workdir / "subset", int(stock_mb * 1e6))
        custos = _child("custos", workdir / "corpus", workdir / "subset", workdir)
        stock = _child("stock", workdir / "subset", str(CHUNK_CHARS), workdir)
        _print_report(files, subset, generated_s, custos, stock, args.seed)
        started = time.perf_counter()
        generate_formats(workdir / "formats", int(format_mb * 1e6), seed=args.seed)
        generated_s = time.perf_counter() - started
        _print_formats(generated_s, _child("formats", workdir / "formats", workdir), args.seed)
    finally:
        if args.keep:
            print(f"corpus kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Benchmark custos against stock Presidio on a generated corpus.")
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: ~2 MB corpus, 0.25 MB Presidio subset, 0.12 MB per format"
    )
    parser.add_argument("--mb", type=float, help="corpus size in MB (default 20, --quick 2)")
    parser.add_argument("--stock-mb", type=float, help="MB of small files stock Presidio analyzes (default 2)")
    parser.add_argument(
        "--format-mb", type=float, help="MB on disk per format in the per-format part (default 1.5, --quick 0.12)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help=f"corpus seed (default {SEED})")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus and databases")
    return parser


def _link_subset(files: list[CorpusFile], corpus: Path, subset: Path, budget: int) -> list[CorpusFile]:
    """The first small files in generation order (kinds interleaved) up to ``budget`` bytes, hard-linked
    into their own folder so both engines read exactly the same files. The large file is left out."""
    chosen: list[CorpusFile] = []
    size = 0
    for f in files[:-1]:
        if chosen and size + f.size > budget:
            break
        link_into(f, corpus, subset)
        chosen.append(f)
        size += f.size
    return chosen


def _row(run: dict) -> tuple[float, float, int, float]:
    return run["mb_per_s"], run["files_per_s"], run["findings"], run["seconds"]


def _child(*args: str | Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "measure.py"), *map(str, args)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"bench: the {args[0]} measurement failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _print_report(
    files: list[CorpusFile], subset: list[CorpusFile], generated_s: float, custos: dict, stock: dict, seed: int
) -> None:
    total = sum(f.size for f in files)
    full, rescan, sub = custos["full"], custos["rescan"], custos["subset"]
    print(
        f"Corpus: {total / 1e6:.1f} MB in {len(files)} files (largest {files[-1].size / 1e6:.1f} MB, streamed), "
        f"seed {seed}, generated in {generated_s:.1f} s"
    )
    print(
        f"Stock subset: {stock['bytes'] / 1e6:.2f} MB in {len(subset)} small files (first in generation order, "
        f"mixed kinds; the large file excluded)\n"
    )
    rows = [
        ("custos, full corpus, fresh DB", full["mb_per_s"], full["files_per_s"], full["findings"], full["seconds"]),
        ("custos, second run, unchanged tree", None, rescan["files_per_s"], None, rescan["seconds"]),
        ("custos, full corpus, no names/addresses", *_row(custos["no_names"])),
        ("custos, stock subset, fresh DB", sub["mb_per_s"], sub["files_per_s"], sub["findings"], sub["seconds"]),
        ("stock Presidio, stock subset", stock["mb_per_s"], stock["files_per_s"], stock["findings"], stock["seconds"]),
    ]
    print(f"{'run':<36}{'MB/s':>9}{'files/s':>10}{'findings':>10}{'seconds':>9}")
    for name, mbs, fps, found, seconds in rows:
        mbs_text = f"{mbs:9.2f}" if mbs is not None else f"{'-':>9}"
        found_text = f"{found:10,}" if found is not None else f"{'-':>10}"
        print(f"{name:<36}{mbs_text}{fps:10.1f}{found_text}{seconds:9.2f}")
    if full["files_failed"]:
        print(f"warning: custos could not read {full['files_failed']} corpus files; see --keep and 'custos scan'")
    no_names = custos["no_names"]
    print(
        f"\nName/address detection (PERSON, CN_ADDRESS, LOCATION rules) costs "
        f"{no_names['mb_per_s'] / full['mb_per_s']:.2f}x in scan time on the full corpus"
    )
    ratio = sub["mb_per_s"] / stock["mb_per_s"] if stock["mb_per_s"] else float("inf")
    print(f"\nSpeed ratio custos/stock (MB/s, same subset): {ratio:.1f}x")
    print(
        f"Peak RSS: custos {custos['peak_rss_mb']:.0f} MB, stock Presidio {stock['peak_rss_mb']:.0f} MB "
        "(each measured in its own child process, ru_maxrss)"
    )
    print(f"Setup (not timed above): custos {custos['setup_s']:.1f} s, stock Presidio {stock['setup_s']:.1f} s")
    print(
        f"\nStock Presidio: AnalyzerEngine, predefined recognizers for zh on a blank spaCy zh pipeline with jieba "
        f"(saved with nlp.to_disk, loaded by NlpEngineProvider, nothing downloaded); analyze() per "
        f"{CHUNK_CHARS:,}-character chunk of each file read as UTF-8/GB18030. Recognizers run: "
        + ", ".join(stock["recognizers"])
        + f" ({'; '.join(stock['additions'])}: not in Presidio's zh defaults)"
    )
    print(
        "Findings are each engine's own count and not comparable one to one (stock Presidio also reports "
        "DATE_TIME, URL, etc.; custos validates checksums)."
    )


def _print_formats(generated_s: float, result: dict, seed: int) -> None:
    rows = sorted(result["formats"], key=lambda r: FORMATS.index(r["format"]) if r["format"] in FORMATS else 99)
    total = sum(r["disk_bytes"] for r in rows)
    count = sum(r["disk_files"] for r in rows)
    print(
        f"\nPer format (custos): {total / 1e6:.1f} MB in {count} files, seed {seed}, generated in {generated_s:.1f} s; "
        "each format scanned with a fresh DB"
    )
    print(f"{'format':<8}{'files':>7}{'MB':>8}{'seconds':>9}{'files/s':>9}{'MB/s':>8}{'findings':>10}  notes")
    for r in rows:
        notes = []
        if r["members"]:
            notes.append(f"{r['members']} archive members scanned as files")
        notes += [f"{n} unsupported ({label})" for label, n in sorted(r["unsupported"].items())]
        notes += [f"{n} {status}" for status, n in sorted(r["problems"].items()) if status != "unsupported"]
        line = (
            f"{r['format']:<8}{r['disk_files']:7}{r['disk_bytes'] / 1e6:8.2f}{r['seconds']:9.2f}"
            f"{r['disk_files_per_s']:9.1f}{r['disk_mb_per_s']:8.2f}{r['findings']:10,}  {'; '.join(notes)}"
        )
        print(line.rstrip())
    print(
        f"MB and files are what is on disk (xlsx, docx and zip compressed; eml attachments base64); findings "
        f"include archive members and attachments. Peak RSS {result['peak_rss_mb']:.0f} MB (own child process), "
        f"setup {result['setup_s']:.1f} s (rule packs, extractor imports)."
    )


if __name__ == "__main__":
    sys.exit(main())
