"""Masking through a private working copy, so no step of it reaches the share by name.

The rewriters and the read-back check work on paths; they get paths in a directory only Custos can write (beside
its database, mode 0700): the original's verified bytes are copied there from the share file's descriptor, the
masked copy is made there, and it comes back into the share as a new file created in the parent's dirfd.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scanner.actions.beneath import CHUNK, ShareFile


class StagedCopyChanged(Exception):
    """The bytes copied out of the share are not the ones that were scanned."""


@contextmanager
def staged(scratch: Path, action_id: int, original: ShareFile, expected_sha256: str | None) -> Iterator[Path]:
    """A private directory holding ``in/<name>`` (the original's bytes, checked against ``expected_sha256``)
    and an empty ``out/``; removed afterwards. What a crash leaves is removed by the next apply (clear_leftovers)."""
    scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(scratch, 0o700)
    work = scratch / f"action-{action_id}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "in").mkdir(parents=True, mode=0o700)
    (work / "out").mkdir(mode=0o700)
    try:
        copy = work / "in" / original.name
        digest = hashlib.sha256()
        with open(copy, "xb") as out:
            for chunk in original.chunks():
                digest.update(chunk)
                out.write(chunk)
        if expected_sha256 is not None and digest.hexdigest() != expected_sha256:
            raise StagedCopyChanged(f"{original.path} changed since it was scanned (content hash)")
        yield copy
    finally:
        shutil.rmtree(work, ignore_errors=True)


def clear_leftovers(scratch: Path) -> list[Path]:
    """Remove the working copies a crash left behind (plain copies of share files). Call it only while holding
    the apply lock: then no other process is using any of them."""
    leftovers = sorted(scratch.glob("action-*")) if scratch.is_dir() else []
    for work in leftovers:
        shutil.rmtree(work, ignore_errors=True)
    return leftovers


def bring_back(original: ShareFile, masked: Path, prefix: str) -> tuple[str, int, str]:
    """Write ``masked`` into a new file beside ``original`` (its dirfd), with the original's permission bits
    (and owner, when running as root), fsynced. Returns (name, open fd, sha256); the caller closes the fd."""
    name, fd = original.new_sibling(prefix)
    try:
        digest = hashlib.sha256()
        with open(masked, "rb") as src:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
        st = original.stat()
        if os.geteuid() == 0:
            os.fchown(fd, st.st_uid, st.st_gid)
        else:  # the service account keeps the file's group when it is a member of it (README: who runs what)
            with contextlib.suppress(PermissionError):
                os.fchown(fd, -1, st.st_gid)
        os.fchmod(fd, stat.S_IMODE(st.st_mode) & 0o777)  # no setuid/setgid on a copy; after chown, which clears them
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):  # the first error is the one to report
            os.unlink(name, dir_fd=original.dir_fd)
        raise
    return name, fd, digest.hexdigest()
