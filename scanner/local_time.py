"""Times for people: a UTC timestamp from the records shown in a named time zone (IANA, e.g. Asia/Shanghai),
beside UTC. The zone database is the system's, else the ``tzdata`` package's (a minimal machine may lack one)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Asia/Shanghai"


class TimeZoneError(ValueError):
    """A time zone name that is not in the time zone database."""


def time_zone(name: str) -> ZoneInfo:
    """The zone named ``name``; TimeZoneError, saying what to give instead, if there is none of that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TimeZoneError(
            f"unknown time zone {name!r}: give an IANA name such as {DEFAULT_TIME_ZONE} or UTC (case matters; the "
            "names come from the system's time zone database or the tzdata package)"
        ) from None


def utc_moment(stamp: str) -> datetime | None:
    """An ISO timestamp as recorded ("…Z" or with an offset; naive means UTC); None if it is not one."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """``moment`` in ``zone`` to the second, with its UTC offset: "2026-11-24 02:00:01 +08:00"."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


def utc_time(moment: datetime) -> str:
    """``moment`` in UTC to the second: "2026-11-23 18:00:01Z"."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S}Z"
