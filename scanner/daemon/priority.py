"""The OCR worker's CPU priority: the lowest (nice 19), so reading pictures only takes what the rest leaves.

On Linux the nice value belongs to each thread, not to the process: `os.nice` in the main thread leaves threads
already running as they were, and a thread inherits its creator's value. So every thread of the process is
lowered by its native id (/proc/self/task), and the threads started later (ONNX Runtime's, the lease keeper's)
inherit it from the main thread. Elsewhere the process's value is set.
"""

from __future__ import annotations

import os

LOWEST = 19  # nice value: the scheduler gives such a thread a sliver of a core that others want


def lower_priority(nice: int = LOWEST) -> list[int]:
    """Set every thread of this process to ``nice`` (never raising a priority); the thread ids changed."""
    try:
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:  # not Linux: the process's value
        os.setpriority(os.PRIO_PROCESS, 0, max(nice, os.getpriority(os.PRIO_PROCESS, 0)))
        return []
    changed = []
    for tid in tids:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
                changed.append(tid)
        except ProcessLookupError:  # a thread that ended meanwhile
            continue
    return changed


def thread_nice_values(pid: int) -> dict[int, int]:
    """Each thread of process ``pid`` and its nice value, from /proc (Linux): what the scheduler applies."""
    values = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        values[int(tid)] = int(fields[16])  # field 19 of stat(5), counted after "pid (comm)"
    return values
