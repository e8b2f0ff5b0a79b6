"""Secure deletion of one file, and an honest account of what it cannot promise.

Overwrite the file's bytes once with random data through the descriptor that was checked (see beneath), fsync,
truncate to zero, fsync, rename to a random name and unlink within its parent's dirfd, fsync the directory. On
a plain rotating disk with an overwrite-in-place filesystem that defeats ordinary recovery (NIST SP 800-88
"Clear"). It does not reach "Purge" anywhere, and on SSDs, copy-on-write or journaling filesystems, snapshots,
backups and network shares, old copies may survive: the report says which of these apply here, measured from
/proc/mounts and /sys/block, so the destruction record never claims more. The stronger path is cryptographic
erase of the vault copy (its key is destroyed), which Custos does on purge.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from scanner.actions.beneath import ShareFile, UnsafeTarget

CHUNK = 1 << 20
COPY_ON_WRITE = frozenset({"btrfs", "zfs", "bcachefs", "overlay", "aufs"})
NETWORK = frozenset({"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "fuse.sshfs", "ceph", "glusterfs"})
METHOD = "overwrite 1 pass (random), fsync, truncate, rename, unlink, fsync directory"


@dataclass(frozen=True)
class ShredReport:
    """What was done and what may still hold the data; written into the audit record as is."""

    method: str
    bytes_overwritten: int
    filesystem: str
    device: str | None
    caveats: tuple[str, ...] = field(default_factory=tuple)

    @property
    def assurance(self) -> str:
        if self.caveats:
            return "logically deleted; residual copies possible"
        return "overwritten in place (NIST SP 800-88 Clear); backups and snapshots are outside this tool"


def secure_delete(target: ShareFile) -> ShredReport:
    """Overwrite, truncate, rename and unlink ``target`` (opened read-write beneath the root), all through its
    descriptors. Raises OSError or UnsafeTarget if any step fails or the name was swapped (the file then kept)."""
    target.refuse_hard_links()
    target.require_same_name()
    facts = environment_facts(target.path)
    fd = target.fd
    size = os.fstat(fd).st_size
    written = 0
    while written < size:
        n = min(CHUNK, size - written)
        written += os.pwrite(fd, secrets.token_bytes(n), written)
    os.fsync(fd)
    os.ftruncate(fd, 0)
    os.fsync(fd)
    try:
        target.rename_within(f".custos-deleted-{secrets.token_hex(8)}")
        target.unlink()
    except UnsafeTarget as exc:
        raise UnsafeTarget(f"{exc}; its content was already overwritten (the vault keeps the original)") from exc
    return ShredReport(METHOD, size, facts.filesystem, facts.device, facts.caveats)


@dataclass(frozen=True)
class _Facts:
    filesystem: str
    device: str | None
    caveats: tuple[str, ...]


def environment_facts(path: Path) -> _Facts:
    """Filesystem type, device and the reasons an overwrite may not reach the old blocks."""
    mount = _mount_of(path)
    fstype, device, options = mount if mount else ("unknown", None, "")
    caveats = []
    if fstype == "unknown":
        caveats.append("filesystem type unknown: the overwrite may not reach the original blocks")
    if fstype in COPY_ON_WRITE:
        caveats.append(f"{fstype} is copy-on-write: the overwrite went to new blocks, the old ones remain until reused")
    if fstype in NETWORK or fstype.startswith("fuse"):
        caveats.append(f"{fstype} is a network or user-space filesystem: the server's disks, snapshots and "
                       "backups decide what remains; this host cannot verify")  # fmt: skip
    if fstype in {"ext3", "ext4"} and "data=journal" in options:
        caveats.append("ext4 data=journal: file contents pass through the journal")
    if fstype in {"tmpfs", "ramfs"}:
        caveats.append("in-memory filesystem: swapped pages may hold copies")
    if device and _is_solid_state(device):
        caveats.append("solid-state storage: wear levelling keeps old copies; only drive sanitize or "
                       "cryptographic erase reach them (NIST SP 800-88)")  # fmt: skip
    caveats.append("backups, snapshots and replicas made before deletion are not touched")
    return _Facts(fstype, device, tuple(caveats))


def _mount_of(path: Path) -> tuple[str, str, str] | None:
    """(fstype, device, options) of the longest mount point containing ``path``, from /proc/mounts."""
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve().parent)
    best: tuple[int, tuple[str, str, str]] | None = None
    for line in lines:
        parts = line.split()
        if len(parts) < 4:
            continue
        device, mount_point, fstype, options = parts[:4]
        mount_point = mount_point.replace("\\040", " ")
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and (best is None or len(mount_point) > best[0]):
            best = (len(mount_point), (fstype, device, options))
    return best[1] if best else None


def _is_solid_state(device: str) -> bool:
    """True when /sys/block says the device does not rotate (SSD, NVMe, most virtual disks report 0 too)."""
    name = Path(device).name
    for candidate in Path("/sys/block").glob("*"):
        if name.startswith(candidate.name):
            try:
                return (candidate / "queue" / "rotational").read_text().strip() == "0"
            except OSError:
                return False
    return False
