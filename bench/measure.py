"""The measured workloads, each run in a child process of its own so that peak RSS belongs to one engine.

    python bench/measure.py custos CORPUS SUBSET WORKDIR
    python bench/measure.py stock SUBSET CHUNK_CHARS WORKDIR
    python bench/measure.py formats FORMATS_ROOT WORKDIR

Each prints one JSON object on stdout; `run.py` starts them and prints the table.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # a checkout works without installing


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


def _rate(amount: float, seconds: float) -> float:
    return amount / seconds if seconds > 0 else float("inf")


# --- custos ----------------------------------------------------------------------------------------------


def measure_custos(corpus: Path, subset: Path, workdir: Path) -> dict[str, Any]:
    """Scanner.scan() over the corpus with a fresh DB, again over the unchanged tree, then over the subset."""
    from scanner.classify import Policy
    from scanner.detect.engine import Detector
    from scanner.detect.rulepack import load_default_packs, merged_policy

    started = time.perf_counter()
    packs = load_default_packs()
    detector = Detector(packs)
    policy = Policy.from_mapping(merged_policy(packs))
    result: dict[str, Any] = {"setup_s": time.perf_counter() - started}
    result["full"], result["rescan"] = _scan_twice(corpus, workdir / "full.db", detector, policy)
    result["subset"], _ = _scan_twice(subset, workdir / "subset.db", detector, policy, again=False)
    result["peak_rss_mb"] = peak_rss_mb()
    without = Detector(_without_entities(packs, NAME_AND_ADDRESS))
    result["no_names"], _ = _scan_twice(corpus, workdir / "no_names.db", without, policy, again=False)
    return result


def measure_custos_subset(subset: Path, workdir: Path) -> dict[str, Any]:
    """Scanner.scan() of the stock subset, engine set-up excluded as it is for stock Presidio."""
    from scanner.classify import Policy
    from scanner.detect.engine import Detector
    from scanner.detect.rulepack import load_default_packs, merged_policy

    started = time.perf_counter()
    packs = load_default_packs()
    detector = Detector(packs)
    policy = Policy.from_mapping(merged_policy(packs))
    setup_s = time.perf_counter() - started
    run, _ = _scan_twice(subset, workdir / "subset-only.db", detector, policy, again=False)
    return {"setup_s": setup_s, **run, "peak_rss_mb": peak_rss_mb()}


NAME_AND_ADDRESS = frozenset({"PERSON", "CN_ADDRESS", "LOCATION"})


def _without_entities(packs: list[Any], entity_types: frozenset[str]) -> list[Any]:
    """The packs minus the rules for these entity types: the cost of name/address detection is the difference."""
    import dataclasses

    return [
        dataclasses.replace(pack, rules=tuple(r for r in pack.rules if r.entity_type not in entity_types))
        for pack in packs
    ]


def _scan_twice(root: Path, db: Path, detector: Any, policy: Any, again: bool = True) -> tuple[dict, dict]:
    from scanner.fingerprint import load_or_create_key
    from scanner.scan import Scanner, ScanOptions
    from scanner.store.store import Store

    runs = []
    with Store(db) as store:
        scanner = Scanner(
            store, detector, key=load_or_create_key(db.with_suffix(".key")), policy=policy, options=ScanOptions()
        )
        for _ in range(2 if again else 1):
            started = time.perf_counter()
            _, stats = scanner.scan(root)
            seconds = time.perf_counter() - started
            files = stats.files_scanned + stats.files_unchanged
            runs.append(
                {
                    "seconds": seconds,
                    "files": files,
                    "files_scanned": stats.files_scanned,
                    "files_unchanged": stats.files_unchanged,
                    "files_failed": stats.files_failed,
                    "bytes": stats.bytes_scanned,
                    "findings": stats.findings,
                    "mb_per_s": _rate(stats.bytes_scanned / 1e6, seconds),
                    "files_per_s": _rate(files, seconds),
                    "files_seen": stats.files_seen,
                    "unsupported": dict(stats.unsupported),
                    "problems": dict(stats.problems),
                }
            )
    return runs[0], runs[1] if again else {}


def measure_formats(root: Path, workdir: Path) -> dict[str, Any]:
    """Scanner.scan() over each subfolder of ``root`` (one format each), each with a fresh DB.

    Extractors import their libraries on first use; that is done for every format beforehand (counted as
    setup, with one detection to warm the detector), so no format pays for another's imports.
    """
    from scanner.classify import Policy
    from scanner.detect.engine import Detector
    from scanner.detect.rulepack import load_default_packs, merged_policy
    from scanner.extract.registry import extractor_for, format_label

    started = time.perf_counter()
    packs = load_default_packs()
    detector = Detector(packs)
    policy = Policy.from_mapping(merged_policy(packs))
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    for label in sorted({format_label(p) for p in root.rglob("*") if p.is_file()}):
        extractor_for(f"warm-up{label}")  # imports the extractor's module and its libraries
    detector.detect("预热 warm-up 王芳 13800138000 11010519491231002X wang.fang@example.com")
    result: dict[str, Any] = {"setup_s": time.perf_counter() - started, "formats": []}
    for folder in folders:
        on_disk = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
        run, _ = _scan_twice(folder, workdir / f"formats-{folder.name}.db", detector, policy, again=False)
        run.update(
            format=folder.name,
            disk_files=len(on_disk),
            disk_bytes=sum(on_disk),
            members=run["files_seen"] - len(on_disk),  # archive members, each scanned as a file of its own
            disk_files_per_s=_rate(len(on_disk), run["seconds"]),
            disk_mb_per_s=_rate(sum(on_disk) / 1e6, run["seconds"]),
        )
        result["formats"].append(run)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --- stock Presidio --------------------------------------------------------------------------------------

_NO_CN_PHONE = ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR")  # PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS


def stock_analyzer(workdir: Path) -> tuple[Any, list[str], list[str]]:
    """Presidio's AnalyzerEngine with its predefined recognizers for "zh" on a blank zh+jieba pipeline;
    returns it with the names of the recognizers it runs and what was added to the defaults.

    Offline without changing detection: the pipeline is saved to disk and loaded by path (so nothing is
    downloaded), and tldextract uses its bundled suffix list. Two additions make the defaults usable for
    Chinese at all, as the research notes found: CreditCardRecognizer is not predefined for zh, and the phone
    recognizer's default regions leave out CN.
    """
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, PhoneRecognizer

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)  # EmailRecognizer's lookup
    model_dir = workdir / "blank_zh_jieba"
    spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}}).to_disk(model_dir)
    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "zh", "model_name": str(model_dir)}],
        }
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=["zh"])
    registry.load_predefined_recognizers(languages=["zh"], nlp_engine=nlp_engine)
    notes = []
    if not any(r.name == "CreditCardRecognizer" for r in registry.recognizers):
        registry.add_recognizer(CreditCardRecognizer(supported_language="zh"))
        notes.append("CreditCardRecognizer added for zh")
    registry.remove_recognizer("PhoneRecognizer", language="zh")
    registry.add_recognizer(PhoneRecognizer(supported_language="zh", supported_regions=(*_NO_CN_PHONE, "CN")))
    notes.append("PhoneRecognizer regions + CN")
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["zh"])
    names = sorted(r.name for r in registry.get_recognizers(language="zh", all_fields=True))
    return analyzer, names, notes


def read_text(path: Path) -> str:
    """A file as text, the way a Presidio user would read it: UTF-8, else GB18030."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def measure_stock(subset: Path, chunk_chars: int, workdir: Path) -> dict[str, Any]:
    """analyze() over every file of the subset, in chunks of ``chunk_chars`` characters."""
    started = time.perf_counter()
    analyzer, recognizers, additions = stock_analyzer(workdir)
    analyzer.analyze("预热 warm-up 13800138000", language="zh")  # jieba loads its dictionary on first use
    setup = time.perf_counter() - started
    files = sorted(p for p in subset.rglob("*") if p.is_file())
    size = findings = chars = 0
    started = time.perf_counter()
    for path in files:
        text = read_text(path)
        size += path.stat().st_size
        chars += len(text)
        for i in range(0, len(text), chunk_chars):
            findings += len(analyzer.analyze(text[i : i + chunk_chars], language="zh"))
    seconds = time.perf_counter() - started
    return {
        "setup_s": setup,
        "recognizers": recognizers,
        "additions": additions,
        "seconds": seconds,
        "files": len(files),
        "bytes": size,
        "chars": chars,
        "findings": findings,
        "mb_per_s": _rate(size / 1e6, seconds),
        "files_per_s": _rate(len(files), seconds),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "custos":
        result = measure_custos(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif len(argv) == 3 and argv[0] == "custos-subset":
        result = measure_custos_subset(Path(argv[1]), Path(argv[2]))
    elif len(argv) == 4 and argv[0] == "stock":
        result = measure_stock(Path(argv[1]), int(argv[2]), Path(argv[3]))
    elif len(argv) == 3 and argv[0] == "formats":
        result = measure_formats(Path(argv[1]), Path(argv[2]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
