"""Worker processes for `custos scan --jobs N`: each builds its own engine once, scans files, returns rows.

Workers only read files; what they send back is what the store keeps (masked previews, keyed fingerprints,
statuses), and the parent, which alone holds the database, writes it. At most `jobs * 4` tasks are in flight,
so a large share never piles up in memory. Huge plain-text files are planned by one worker and then scanned as
ranges by all of them (`scanner.split`).
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Hashable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date

from scanner.classify import Policy
from scanner.detect.engine import Detector
from scanner.detect.rulepack import RulePack, active_rules
from scanner.discover import FileRef
from scanner.extract.base import ExtractionError
from scanner.file_scan import FileOutcome, FileResult, FileScanner, ScanOptions
from scanner.split import RangeResult, SplitPlan, merge, plan, scan_range, splittable

Tag = Hashable


class WorkerDied(RuntimeError):
    """A worker process was killed (out of memory?) mid-file: the run stops, unfinished files are rescanned."""


@dataclass(frozen=True)
class EngineSpec:
    """What every worker builds its `Detector` from: the rule packs, the scan date and the spaCy pipelines."""

    packs: tuple[RulePack, ...]
    today: date | None = None
    pipelines: tuple[tuple[str, str], ...] = ()

    def build(self) -> Detector:
        return Detector(list(self.packs), today=self.today, trained_pipelines=dict(self.pipelines))

    def pack_refs(self) -> str:
        """The packs a run records, as `Scanner` derives them from a built detector's rules."""
        return ", ".join(sorted({r.pack_ref for r in active_rules(list(self.packs))}))


# --- in the worker processes ------------------------------------------------------------------------------
_files: FileScanner | None = None
_inherited: Detector | None = None  # built by the parent before it forks the workers (where fork exists)


def _start_worker(engine: EngineSpec, key: bytes, policy: Policy, options: ScanOptions) -> None:
    global _files
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool
    detector = _inherited if _inherited is not None else engine.build()
    _files = FileScanner(detector, key=key, policy=policy, options=options)


def _scan_task(ref: FileRef, known_sha256: str | None) -> FileOutcome:
    return _files.scan(ref, known_sha256)


def _plan_task(ref: FileRef, known_sha256: str | None) -> FileOutcome | SplitPlan:
    return plan(_files, ref, known_sha256)


def _range_task(split: SplitPlan, index: int) -> RangeResult | FileResult:
    try:
        return scan_range(_files, split, index)
    except ExtractionError as exc:
        return _files.problem(split.ref, exc.status, exc.message)


# --- in the parent ----------------------------------------------------------------------------------------
@dataclass
class _Split:
    tag: Tag
    plan: SplitPlan
    results: list[RangeResult] = field(default_factory=list)
    problem: FileResult | None = None
    waiting: int = 0


class ScanPool:
    """`jobs` worker processes; `submit` files, then take `finished` outcomes as they come, in any order."""

    def __init__(self, engine: EngineSpec, *, key: bytes, policy: Policy, options: ScanOptions) -> None:
        self.options = options
        self.window = options.jobs * 4
        self._init = (engine, key, policy, options)
        self._futures: dict[Future, tuple[str, Tag | _Split]] = {}
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> ScanPool:
        global _inherited
        methods = multiprocessing.get_all_start_methods()
        if "fork" in methods:
            # Build the engine once and fork the workers from it: they start in milliseconds and share its
            # pages, instead of each importing Presidio and spaCy and loading the engine (seconds each, the
            # whole gain of a second worker on a share of a few minutes). The parent has no scan state
            # the children could trip over: they never touch its database connection.
            _inherited = self._init[0].build()
            context = multiprocessing.get_context("fork")
        else:  # pragma: no cover - platforms without fork
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if context.get_start_method() == "forkserver":
                context.set_forkserver_preload(["scanner.pool"])  # workers start with Presidio imported
        self._executor = ProcessPoolExecutor(
            self.options.jobs, mp_context=context, initializer=_start_worker, initargs=self._init
        )
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        global _inherited
        _inherited = None  # the workers have their copies; the parent does not scan
        if exc_type is None:
            self._executor.shutdown(wait=True)
        else:  # Ctrl-C or an error: stop now, files in hand are scanned again next time
            _terminate(self._executor)

    @property
    def pending(self) -> bool:
        return bool(self._futures)

    @property
    def full(self) -> bool:
        return len(self._futures) >= self.window

    def submit(self, ref: FileRef, known_sha256: str | None, tag: Tag) -> None:
        """Queue one walked file; a huge plain-text file is planned first, then scanned as ranges."""
        if splittable(ref, self.options):
            self._add(self._executor.submit(_plan_task, ref, known_sha256), "plan", tag)
        else:
            self._add(self._executor.submit(_scan_task, ref, known_sha256), "file", tag)

    def finished(self, *, block: bool) -> Iterator[tuple[Tag, FileOutcome]]:
        """Outcomes of files done so far; with ``block``, wait until at least one task is done."""
        if not self._futures:
            return
        done, _ = wait(list(self._futures), timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            kind, owner = self._futures.pop(future)
            try:
                value = future.result()
            except BrokenProcessPool as exc:
                raise WorkerDied(
                    "a scan worker process died (killed, or out of memory?); files in progress were not recorded"
                    " and are scanned on the next run; try fewer --jobs"
                ) from exc
            outcome = self._handle(kind, owner, value)
            if outcome is not None:
                yield outcome

    def _handle(self, kind: str, owner, value) -> tuple[Tag, FileOutcome] | None:
        if kind == "file":
            return owner, value
        if kind == "plan":
            if isinstance(value, FileOutcome):
                return owner, value
            split = _Split(owner, value, waiting=value.ranges)
            for index in range(value.ranges):
                self._add(self._executor.submit(_range_task, value, index), "range", split)
            return None
        split = owner
        split.waiting -= 1
        if isinstance(value, FileResult):
            split.problem = split.problem or value
        else:
            split.results.append(value)
        if split.waiting:
            return None
        if split.problem is not None:
            return split.tag, FileOutcome((split.problem,))
        return split.tag, merge(split.plan, split.results)

    def _add(self, future: Future, kind: str, owner) -> None:
        self._futures[future] = (kind, owner)


def _terminate(executor: ProcessPoolExecutor) -> None:
    """Kill the workers instead of letting them finish their files (3.14 has `terminate_workers`)."""
    processes = list(getattr(executor, "_processes", {}).values())  # no public handle before Python 3.14
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
