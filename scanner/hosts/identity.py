"""Which host this process is: the id every row it writes carries (files, scan runs, actions, queue jobs).

Many file servers share one PostgreSQL store; paths are per host, and only a host's own daemon touches its disk.
The id is `CUSTOS_HOST_ID`, else `[host] id` in the config, else the machine's hostname; 1 to 64 characters of
letters, digits, '.', '_' and '-', so it reads safely in logs, on the dashboard and in SQL.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from typing import Any

_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class HostIdError(ValueError):
    """The configured host id is not usable."""


def local_host_id(config: Mapping[str, Any] | None = None) -> str:
    """This machine's host id (see the module's docstring); raises HostIdError for an invalid one."""
    configured = os.environ.get("CUSTOS_HOST_ID")
    origin = "CUSTOS_HOST_ID"
    if not configured and config is not None:
        configured = (config.get("host") or {}).get("id")
        origin = "[host] id"
    elif not configured:  # the config file every command reads (scanner.site_config), already checked
        from scanner.site_config import site_config

        configured, origin = site_config().host_id, "[host] id"
    if not configured:
        return valid_host_id(_hostname_id(socket.gethostname()), "the hostname")
    return valid_host_id(str(configured), origin)


def valid_host_id(host_id: str, origin: str = "host id") -> str:
    if not _VALID.fullmatch(host_id):
        raise HostIdError(
            f"{origin} {host_id[:80]!r} is not a valid host id: use 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return host_id


def _hostname_id(hostname: str) -> str:
    """The hostname as an id: its first 64 valid characters (a hostname is almost always valid already)."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", hostname)[:64] or "localhost"
