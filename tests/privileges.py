"""Run a child process bound by file modes even as root, so a mode-000 file really denies access in tests."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def drop_dac_capabilities() -> None:
    """For ``preexec_fn``: root ignores modes through CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH; dropping them from the
    bounding set before exec leaves the child bound by the owner bits like anyone else."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def bound_by_modes() -> Callable[[], None] | None:
    """The ``preexec_fn`` that makes a child obey file modes: needed only when the tests run as root."""
    return drop_dac_capabilities if os.geteuid() == 0 else None
