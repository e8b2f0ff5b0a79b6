"""A real, throwaway PostgreSQL for the tests and benchmarks, started from Debian's binaries.

``PostgresServer.start()`` runs ``initdb`` into a temporary folder (trust authentication on 127.0.0.1 only,
durability off for speed, the unix socket inside that folder, a random free port), starts it with ``pg_ctl``
and hands out fresh databases. When the process is root (here and in CI) the server binaries run as Debian's
``postgres`` user, since ``initdb`` refuses root. ``CUSTOS_TEST_PG_URL`` points at an existing server instead:
databases are then created in it and dropped again at ``stop()``.

A server left behind by a crashed session would hold its port and memory: ``stop()`` is registered with
``atexit``, and a small watchdog process stops the server when this process dies without running it (SIGKILL).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

EXTERNAL_URL_VARIABLE = "CUSTOS_TEST_PG_URL"
DEBIAN_BINARIES = Path("/usr/lib/postgresql")  # <version>/bin/initdb, pg_ctl, postgres
SERVER_USER = "postgres"  # the user Debian's package creates; it also names the cluster's superuser
INSTALL_HINT = "PostgreSQL's server binaries were not found: install them with `apt-get install postgresql`"
# Settings for a server whose data may be lost at any moment: nothing waits for the disk.
FAST_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "archive_mode": "off",
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "log_min_messages": "warning",
    "logging_collector": "off",
}
HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
SOCKET_PATH_LIMIT = 100  # sun_path holds 108 bytes; ".s.PGSQL.NNNNN" is appended to the folder
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresServerError(RuntimeError):
    """The throwaway server could not be started, reached or stopped; the message says why."""


def find_binaries() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl (else the ones on PATH)."""
    versions = sorted(
        (p for p in DEBIAN_BINARIES.glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresServerError(INSTALL_HINT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def replace_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead (user, host, port and query kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie awaiting its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until_gone(pid: int, timeout_s: float = 10) -> None:
    """pg_ctl returns once postmaster.pid is removed, a moment before the postmaster exits: wait for that."""
    deadline = time.monotonic() + timeout_s
    while process_running(pid) and time.monotonic() < deadline:
        time.sleep(0.01)


@dataclass
class ServerUser:
    """Who runs the server binaries: this process, or the ``postgres`` user when this process is root."""

    uid: int
    gid: int
    groups: frozenset[int]
    prefix: tuple[str, ...]  # the command that switches to this user ("" when no switch is needed)

    @classmethod
    def for_this_process(cls) -> ServerUser:
        if os.geteuid() != 0:
            return cls(os.geteuid(), os.getegid(), frozenset(os.getgroups()), ())
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresServerError(
                f"running as root, and initdb refuses root; the '{SERVER_USER}' user that Debian's package creates "
                f"is missing: install it with `apt-get install postgresql`"
            ) from None
        groups = frozenset(os.getgrouplist(SERVER_USER, entry.pw_gid))
        prefix = ("setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups", "--")
        return cls(entry.pw_uid, entry.pw_gid, groups, prefix)

    def can_traverse(self, folder: Path) -> bool:
        """Whether this user may pass through ``folder`` (mode bits only: enough for /tmp and its children)."""
        info = folder.stat()
        if self.uid == 0:
            return True
        if info.st_uid == self.uid:
            return bool(info.st_mode & stat.S_IXUSR)
        if info.st_gid in self.groups:
            return bool(info.st_mode & stat.S_IXGRP)
        return bool(info.st_mode & stat.S_IXOTH)


def _environment() -> dict[str, str]:
    """This process's environment without libpq's variables, which would steer pg_ctl's readiness check."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


@dataclass
class PostgresServer:
    """One PostgreSQL server the tests may create databases in; ``url`` is its superuser's ``postgres`` database."""

    url: str
    base_dir: Path | None = None  # None: an existing server (CUSTOS_TEST_PG_URL), not ours to stop
    owns_base_dir: bool = False
    binaries: Path | None = None
    user: ServerUser | None = None
    started_s: float = 0.0  # how long start() took
    _created: list[str] = field(default_factory=list)
    _admin: psycopg.Connection | None = None
    _watchdog: subprocess.Popen | None = None
    _stopped: bool = False

    @classmethod
    def start(cls, base_dir: Path | None = None, *, settings: dict[str, str] | None = None) -> PostgresServer:
        """A running server: the one ``CUSTOS_TEST_PG_URL`` names, else a new one in ``base_dir``.

        ``base_dir`` (created if missing, made over to the server's user) must be reachable by that user; left
        out, a folder in the system's temporary folder is made and removed again by ``stop()``. ``settings``
        add to or override the fast, non-durable defaults (a benchmark's ``shared_buffers``, ``work_mem``).
        """
        began = time.perf_counter()
        external = os.environ.get(EXTERNAL_URL_VARIABLE)
        if external:
            server = cls(url=external)
            server._admin_connection()  # fail here, with the reason, if it cannot be reached
        else:
            server = cls._start_local(base_dir, settings or {})
        server.started_s = time.perf_counter() - began
        atexit.register(server.stop)
        return server

    @classmethod
    def _start_local(cls, base_dir: Path | None, settings: dict[str, str]) -> PostgresServer:
        binaries = find_binaries()
        user = ServerUser.for_this_process()
        owns = base_dir is None
        base = Path(tempfile.mkdtemp(prefix="custos-pg-")) if owns else Path(base_dir).resolve()
        base.mkdir(parents=True, exist_ok=True)
        server = cls(url="", base_dir=base, owns_base_dir=owns, binaries=binaries, user=user)
        try:
            server._prepare_folder()
            server._initdb({**FAST_SETTINGS, **settings})
            server._start_postmaster()
        except BaseException:
            server.stop()
            raise
        return server

    # -- the local server's life ---------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None
        return self.base_dir / "server.log"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """One server binary, run as the server's user; its output captured for the error message."""
        assert self.binaries is not None and self.user is not None
        command = [*self.user.prefix, str(self.binaries / args[0]), *args[1:]]
        return subprocess.run(
            command, capture_output=True, text=True, env=_environment(), timeout=timeout, cwd=self.base_dir
        )

    def _prepare_folder(self) -> None:
        assert self.base_dir is not None and self.user is not None
        blocked = [p for p in (self.base_dir, *self.base_dir.parents) if not self.user.can_traverse(p)]
        if blocked and os.geteuid() == 0:
            os.chown(self.base_dir, self.user.uid, self.user.gid)
            blocked = [p for p in blocked if p != self.base_dir]
        if blocked:
            raise PostgresServerError(
                f"the server's user (uid {self.user.uid}) cannot enter {blocked[0]}: give the PostgreSQL test "
                f"server a folder it can reach (pytest's tmp_path is private to its user; the default, a "
                f"folder in {tempfile.gettempdir()}, is reachable)"
            )

    def _initdb(self, settings: dict[str, str]) -> None:
        done = self._run(
            "initdb", "-D", str(self.data_dir), "-U", SERVER_USER, "-A", "trust", "-E", "UTF8", "--locale=C",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        if done.returncode != 0:
            raise PostgresServerError(f"initdb failed ({done.returncode}): {done.stderr.strip()}")
        socket_dir = str(self.base_dir)
        lines = [f"{name} = {value}" for name, value in settings.items()]
        # a socket path too long for sun_path would stop the server: then TCP only
        lines.append(f"unix_socket_directories = '{socket_dir if len(socket_dir) < SOCKET_PATH_LIMIT - 15 else ''}'")
        self._write_as_server_user(self.data_dir / "postgresql.auto.conf", "\n".join(lines) + "\n")
        self._write_as_server_user(self.data_dir / "pg_hba.conf", HBA)

    def _write_as_server_user(self, path: Path, text: str) -> None:
        assert self.user is not None
        path.write_text(text, encoding="utf-8")
        if os.geteuid() == 0:
            os.chown(path, self.user.uid, self.user.gid)

    def _start_postmaster(self, attempts: int = 3) -> None:
        """pg_ctl start on a random free port; another port if one was taken between the probe and the bind."""
        for attempt in range(attempts):
            port = free_port()
            done = self._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", str(self.log_file),
                "-o", f"-p {port}",
            )  # fmt: skip
            if done.returncode == 0:
                self.url = f"postgresql://{SERVER_USER}@127.0.0.1:{port}/postgres"
                self._watchdog = self._start_watchdog()
                return
            log = self.log_file.read_text(encoding="utf-8", errors="replace") if self.log_file.exists() else ""
            if "could not bind" not in log or attempt == attempts - 1:
                raise PostgresServerError(f"pg_ctl start failed ({done.returncode}): {done.stderr.strip()}\n{log}")

    def _start_watchdog(self) -> subprocess.Popen:
        """A process that stops the server once this one is gone without calling stop() (its stdin closes)."""
        assert self.binaries is not None and self.user is not None
        stop_command = [*self.user.prefix, str(self.binaries / "pg_ctl"), "stop", "-m", "immediate", "-w", "-D"]
        leftover = str(self.base_dir) if self.owns_base_dir else ""
        watchdog = str(Path(__file__).with_name("postgres_watchdog.py"))
        return subprocess.Popen(
            [sys.executable, watchdog, leftover, *stop_command, str(self.data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_environment(),
            start_new_session=True,  # a Ctrl-C meant for the tests does not reach it
        )

    def postmaster_pid(self) -> int | None:
        """The running server's process id, from ``postmaster.pid`` (None when it is not running)."""
        if self.base_dir is None:
            return None
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Stops the server (fast shutdown) and removes the folder it made; for an existing server, drops the
        databases made in it. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self.base_dir is None:
            self._drop_created()
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self.base_dir is None:
            return
        pid = self.postmaster_pid()
        if pid is not None:
            done = self._run("pg_ctl", "stop", "-m", "fast", "-w", "-t", "30", "-D", str(self.data_dir))
            if done.returncode != 0:
                self._run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", str(self.data_dir))
            wait_until_gone(pid)
        if self._watchdog is not None:
            with contextlib.suppress(OSError):
                self._watchdog.communicate(b"stopped\n", timeout=10)
        if self.owns_base_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # -- databases ----------------------------------------------------------------------------------------

    def _admin_connection(self) -> psycopg.Connection:
        if self._admin is None or self._admin.closed:
            try:
                self._admin = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.Error as exc:
                raise PostgresServerError(f"cannot reach the PostgreSQL test server: {exc}") from exc
        return self._admin

    def new_database(self, name: str | None = None) -> str:
        """A fresh, empty database (UTF-8, C collation: text sorts by code point as on SQLite); its URL."""
        if self._stopped:
            raise PostgresServerError("the PostgreSQL test server has been stopped")
        name = name or f"custos_{secrets.token_hex(6)}"
        if not _DATABASE_NAME.fullmatch(name):
            raise ValueError(f"database name {name!r}: use 1-63 of a-z, 0-9 and _, not starting with a digit")
        admin = self._admin_connection()
        # FILE_COPY (PostgreSQL 15) copies the template's files at once: half the time of logging each page
        strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
        admin.execute(
            sql.SQL(
                "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" + strategy
            ).format(sql.Identifier(name))
        )
        self._created.append(name)
        return replace_database(self.url, name)

    def _drop_created(self) -> None:
        for name in self._created:
            with contextlib.suppress(psycopg.Error, PostgresServerError):
                self._admin_connection().execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        self._created.clear()
