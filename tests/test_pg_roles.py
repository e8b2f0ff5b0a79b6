"""Issue 18: contrib/postgresql/roles.sql on a real PostgreSQL. Nobody updates, deletes or truncates audit rows
(not even the owner: a trigger refuses it), a host's registered audit key is fixed, a daemon moves only its own
host's actions, a reviewer approves but never executes, and a daemon's login role runs Custos's own audit append.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from scanner.actions.audit import Actor
from scanner.actions.audit_shared import SharedAuditLog
from scanner.store.audit_shared import SharedAuditChain
from scanner.store.store import Store, utc_now

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROLES_SQL = Path(__file__).resolve().parents[1] / "contrib" / "postgresql" / "roles.sql"


def _as(url: str, user: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def shared(pg_url: str, tmp_path: Path):
    """A store with two hosts' actions (one approved each) and audit records, then roles.sql run by its owner;
    login roles for host A's daemon and a reviewer (dropped afterwards: roles belong to the whole server)."""
    tag = secrets.token_hex(3)
    host_a, host_b, reviewer = f"fs-a-{tag}", f"fs-b-{tag}", f"alice_{tag}"
    with Store(pg_url, host=host_a) as store:
        SharedAuditLog(SharedAuditChain(store), tmp_path / "a.key", tmp_path / "a.head").append(
            "noted", Actor("root", None), {"n": 1}
        )
    owner = psycopg.connect(pg_url, autocommit=True)
    now = utc_now()
    for host in (host_a, host_b):
        file_id = owner.execute(
            "INSERT INTO files(root, rel_path, status, host) VALUES ('/srv', 'a.txt', 'scanned', %s) RETURNING id",
            (host,),
        ).fetchone()[0]
        owner.execute(
            "INSERT INTO actions(kind, state, file_id, proposed_by, proposed_os_user, proposed_at, host)"
            " VALUES ('delete', 'approved', %s, 'alice', 'alice', %s, %s)",
            (file_id, now, host),
        )
    owner.execute(ROLES_SQL.read_text())
    owner.execute(f'CREATE ROLE "{host_a}" LOGIN IN ROLE custos_daemon')
    owner.execute(f'CREATE ROLE "{reviewer}" LOGIN IN ROLE custos_reviewer')
    yield owner, {"a": host_a, "b": host_b, "reviewer": reviewer, "url": pg_url}
    owner.close()
    admin = psycopg.connect(pg_url, autocommit=True)
    for role in (host_a, reviewer):
        admin.execute(f'DROP OWNED BY "{role}"')
        admin.execute(f'DROP ROLE "{role}"')
    admin.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_chain SET event = 'nothing happened'", "DELETE FROM audit_chain", "TRUNCATE audit_chain"],
)
def test_the_owner_cannot_update_delete_or_truncate_audit_rows(shared, statement):
    owner, _ = shared
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        owner.execute(statement)
    assert owner.execute("SELECT count(*) FROM audit_chain").fetchone()[0] == 1


def test_a_registered_host_key_cannot_be_replaced_or_removed(shared):
    owner, roles = shared
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot be changed"):
        owner.execute("UPDATE hosts SET public_key = 'forged' WHERE id = %s", (roles["a"],))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot be changed"):
        owner.execute("DELETE FROM hosts WHERE id = %s", (roles["a"],))
    owner.execute("UPDATE hosts SET last_seen = 'now' WHERE id = %s", (roles["a"],))  # heartbeats still work


def test_a_daemon_moves_only_its_own_hosts_actions_and_cannot_touch_audit_rows(shared):
    _, roles = shared
    with psycopg.connect(_as(roles["url"], roles["a"]), autocommit=True) as daemon:
        moved = daemon.execute("UPDATE actions SET state = 'executing' WHERE state = 'approved' RETURNING host")
        assert [r[0] for r in moved.fetchall()] == [roles["a"]]  # host B's approved action is not its to run
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            daemon.execute("DELETE FROM audit_chain")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            daemon.execute("UPDATE audit_chain SET event = 'x'")


def test_a_reviewer_approves_but_never_executes(shared):
    owner, roles = shared
    with psycopg.connect(_as(roles["url"], roles["reviewer"]), autocommit=True) as reviewer:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the row-level policy's check
            reviewer.execute("UPDATE actions SET state = 'executed' WHERE host = %s", (roles["b"],))
        cancelled = reviewer.execute("UPDATE actions SET state = 'cancelled' WHERE host = %s", (roles["b"],))
        assert cancelled.rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reviewer.execute("DELETE FROM actions")
    assert owner.execute("SELECT state FROM actions WHERE host = %s", (roles["b"],)).fetchone()[0] == "cancelled"


def test_a_daemons_login_role_appends_to_and_verifies_the_chain(shared, tmp_path):
    _, roles = shared
    with Store(_as(roles["url"], roles["a"]), host=roles["a"]) as store:
        log = SharedAuditLog(SharedAuditChain(store), tmp_path / "a.key", tmp_path / "a.head")
        log.append("noted", Actor("custos", None), {"n": 2})
        result = log.verify()
    assert result.ok and result.records == 2, result.reason
