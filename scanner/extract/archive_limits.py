"""Limits that stop archive bombs; shared by the archive extractors and the scanner (nesting depth)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on what one archive may expand to; exceeding one records the archive, never exhausts memory."""

    max_members: int = 10_000
    max_total_bytes: int = 2 << 30
    max_member_bytes: int = 512 << 20
    max_ratio: int = 200
    max_depth: int = 3
    # Rows recorded for one walked file's members, nested ones included; the rest are counted on its own row.
    max_member_rows: int = 1000
