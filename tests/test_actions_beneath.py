"""Actions never leave the share: an insider swaps a folder for a symbolic link (before apply, at every step of
it, or racing it from a thread), plants a hard link, or links the folder a restore writes into.

Real files, real symlinks and hard links, the real CLI in subprocesses, the real vault and audit log. Outside the
share sits an exact copy of the targeted folder (same bytes, same modification times), so the scan-time hash check
alone could not tell the two apart: only resolving beneath the root without following links protects it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from scanner.actions.audit import Actor
from scanner.actions.beneath import UnsafeTarget, open_share_file, path_parts
from scanner.actions.failpoints import at_checkpoints
from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.build import build_scanner
from scanner.file_scan import ScanOptions
from scanner.store.store import Store

REPO = Path(__file__).resolve().parents[1]
ALICE, BOB = Actor(os_user="alice", reviewer="alice"), Actor(os_user="bob", reviewer="bob")
PHONE = "13912345678"
KINDS = ("mask", "quarantine", "delete")


def text_for(i: int) -> bytes:
    return f"客户：张伟\n手机：1391234{5600 + i}\n邮箱：zhang.wei{i}@example.com\n备注：老客户\n".encode()


@dataclass
class Site:
    """A scanned share whose folder ``dept`` has an exact twin outside the share."""

    share: Path
    outside: Path  # the twin of share/dept
    db: Path

    @property
    def dept(self) -> Path:
        return self.share / "dept"

    def swap_dept_for_link(self) -> None:
        """What an insider does: move the folder aside (inside the share) and put a link to outside in its place."""
        os.rename(self.dept, self.share / "dept.away")
        os.symlink(self.outside, self.dept)

    def swap_back(self) -> None:
        if self.dept.is_symlink():
            os.unlink(self.dept)
        if (self.share / "dept.away").exists():
            os.rename(self.share / "dept.away", self.dept)


def make_site(tmp_path: Path, packs, detector, count: int = 1, *, follow_symlinks: bool = False) -> Site:
    share, outside = tmp_path / "share", tmp_path / "outside" / "dept"
    (share / "dept").mkdir(parents=True)
    outside.mkdir(parents=True)
    for i in range(count):
        (share / "dept" / f"f{i}.txt").write_bytes(text_for(i))
        shutil.copy2(share / "dept" / f"f{i}.txt", outside / f"f{i}.txt")  # same bytes, same mtime
    if follow_symlinks:
        os.symlink(outside, share / "linked")
    db = tmp_path / "state" / "custos.db"
    with Store(db) as store:
        options = ScanOptions(follow_symlinks=follow_symlinks)
        build_scanner(store, db, packs, detector=detector, options=options).scan(share)
    return Site(share, outside, db)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every entry below ``directory`` (links not followed): its bytes (or link target) and mtime."""
    seen = {}
    for folder, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = Path(folder) / name
            st = path.lstat()
            if path.is_symlink():
                seen[str(path)] = (os.readlink(path).encode(), st.st_mtime_ns)
            elif path.is_file():
                seen[str(path)] = (path.read_bytes(), st.st_mtime_ns)
            else:
                seen[str(path)] = (b"<dir>", 0)
    return seen


def custos(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "scanner.cli", *args, "--db", str(db)],
        env=env, capture_output=True, text=True, timeout=180, check=False, cwd=db.parent,
    )  # fmt: skip


def propose_and_approve(
    db: Path, kind: str, path: Path | None = None, findings: list[int] = (), vault_id: str | None = None
) -> int:
    if vault_id:
        target = ["--vault", vault_id]
    else:
        target = ["--file", str(path)] if path else [a for f in findings for a in ("--finding", str(f))]
    proposed = custos(db, "propose", kind, *target, "--as", "alice")
    assert proposed.returncode == 0, proposed.stderr
    action_id = int(re.search(r"proposed action (\d+)", proposed.stdout).group(1))
    approved = custos(db, "approve", str(action_id), "--as", "bob")
    assert approved.returncode == 0, approved.stderr
    return action_id


def recorded(db: Path, detector, action_id: int) -> tuple[str, dict]:
    """The action's state in the database and the last audit record about it."""
    with open_workspace(db, detector=detector) as ws:
        state = ws.actions.action(action_id).state
        records = [r for r in ws.audit.records() if r.get("action_id") == action_id]
        assert ws.audit.verify().ok
    return state, records[-1]


# --- one swap, through the real CLI --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_folder_swapped_for_a_link_after_approval_is_refused(tmp_path, packs, detector, kind):
    site = make_site(tmp_path, packs, detector)
    action_id = propose_and_approve(site.db, kind, site.dept / "f0.txt")
    site.swap_dept_for_link()
    before = snapshot(tmp_path / "outside")
    applied = custos(site.db, "apply", "--yes", "--as", "bob")
    assert applied.returncode == 1
    assert re.search(rf"failed\s+action {action_id} {kind} .*symbolic link", applied.stdout), applied.stdout
    assert snapshot(tmp_path / "outside") == before  # bytes and mtimes, and no new entry
    assert (site.share / "dept.away" / "f0.txt").read_bytes() == text_for(0)  # the share file is untouched too
    state, record = recorded(site.db, detector, action_id)
    assert state == "failed" and record["event"] == "failed" and "symbolic link" in record["error"]
    assert custos(site.db, "audit", "verify").returncode == 0


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.slow  # over 1.5 s: the default run keeps to its five minutes
def test_a_file_under_a_linked_folder_followed_by_the_scan_is_not_acted_on(tmp_path, packs, detector, kind):
    site = make_site(tmp_path, packs, detector, follow_symlinks=True)
    listed = custos(site.db, "findings", "--path", "linked/f0.txt").stdout.splitlines()[1:]
    findings = [int(line.split()[0]) for line in listed]  # found through the link; --file would resolve it
    assert findings
    action_id = propose_and_approve(site.db, kind, findings=findings)
    before = snapshot(tmp_path / "outside")
    applied = custos(site.db, "apply", "--yes", "--as", "bob")
    assert applied.returncode == 1 and "symbolic link" in applied.stdout
    assert snapshot(tmp_path / "outside") == before
    state, record = recorded(site.db, detector, action_id)
    assert state == "failed" and record["result"] == "failed"


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_hard_linked_from_outside_is_neither_changed_nor_removed(tmp_path, packs, detector, kind):
    site = make_site(tmp_path, packs, detector)
    target = site.dept / "f0.txt"
    action_id = propose_and_approve(site.db, kind, target)
    os.link(target, site.outside / "also-f0.txt")  # changes the file's ctime and link count, not its content
    before = snapshot(tmp_path / "outside")
    applied = custos(site.db, "apply", "--yes", "--as", "bob")
    assert applied.returncode == 1 and "has 2 hard links" in applied.stdout, applied.stdout
    assert snapshot(tmp_path / "outside") == before
    assert target.read_bytes() == text_for(0) and os.stat(target).st_nlink == 2
    assert not [p for p in site.dept.iterdir() if p.name.startswith(".custos-")]
    state, record = recorded(site.db, detector, action_id)
    assert state == "failed" and "a reviewer must decide" in record["error"]


@pytest.mark.slow  # seconds each; the default run stays under 5 min
def test_restore_never_writes_through_a_linked_folder_and_recreates_a_missing_one(tmp_path, packs, detector):
    site = make_site(tmp_path, packs, detector)
    propose_and_approve(site.db, "quarantine", site.dept / "f0.txt")
    assert custos(site.db, "apply", "--yes", "--as", "bob").returncode == 0
    listed = custos(site.db, "vault", "list").stdout
    vault_id = re.search(r"^([0-9a-f]{32}) ", listed, re.M).group(1)
    (site.outside / "f0.txt").unlink()  # the twin folder is empty: a restore through the link would land there
    shutil.rmtree(site.dept)
    os.symlink(site.outside, site.dept)
    before = snapshot(tmp_path / "outside")
    first = propose_and_approve(site.db, "restore", vault_id=vault_id)
    refused = custos(site.db, "restore", vault_id, "--as", "bob")
    assert refused.returncode != 0 and "symbolic link" in refused.stdout + refused.stderr, refused
    assert snapshot(tmp_path / "outside") == before
    state, record = recorded(site.db, detector, first)
    assert state == "failed" and "symbolic link" in record["error"]
    os.unlink(site.dept)  # the folder is simply gone now: restore makes it again, beneath the root
    propose_and_approve(site.db, "restore", vault_id=vault_id)
    restored = custos(site.db, "restore", vault_id, "--as", "bob")
    assert restored.returncode == 0, restored.stderr
    assert (site.dept / "f0.txt").read_bytes() == text_for(0) and not site.dept.is_symlink()


# --- a swap at every step of an action ------------------------------------------------------------------------

STEPS = {"mask": 8, "quarantine": 5, "delete": 3}  # checkpoints each kind passes (see execute.py)


@pytest.mark.parametrize(("kind", "step"), [(k, s) for k, n in STEPS.items() for s in range(1, n + 1)])
def test_a_swap_at_each_step_changes_nothing_outside_and_the_record_says_what_happened(
    tmp_path, packs, detector, kind, step
):
    site = make_site(tmp_path, packs, detector)
    before = snapshot(tmp_path / "outside")
    passed = []

    def swap_at_step(name: str) -> None:
        passed.append(name)
        if len(passed) == step:
            site.swap_dept_for_link()

    with open_workspace(site.db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(kind, path=site.dept / "f0.txt"), ALICE)
        ws.service.approve(action_id, BOB)
        with at_checkpoints(swap_at_step):
            [outcome] = ws.service.apply(BOB, [action_id])
    if step == 1:  # swapped before the file was opened: refused
        assert outcome.state == "failed" and "symbolic link" in outcome.message, outcome
    else:  # swapped once the folder was open: the action goes on in the real folder, wherever it was moved
        assert outcome.state == "executed" and len(passed) == STEPS[kind], (outcome, passed)
    site.swap_back()
    assert snapshot(tmp_path / "outside") == before
    check_matches(site, detector, action_id, kind, 0)


SWAP_NAME_AT = {
    "mask": "mask: planned hash recorded",
    "quarantine": "quarantine: in vault",
    "delete": "vault: before put",
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_swapped_under_its_name_mid_action_is_left_alone_and_the_action_fails(tmp_path, packs, detector, kind):
    site = make_site(tmp_path, packs, detector)
    target, moved = site.dept / "f0.txt", site.dept / "moved.txt"

    def swap_name(name: str) -> None:
        if name == SWAP_NAME_AT[kind]:  # the checked file moves aside; another takes its name
            os.rename(target, moved)
            target.write_bytes(b"someone else's work\n")

    with open_workspace(site.db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(kind, path=target), ALICE)
        ws.service.approve(action_id, BOB)
        with at_checkpoints(swap_name):
            [outcome] = ws.service.apply(BOB, [action_id])
    assert outcome.state == "failed" and "replaced by another file" in outcome.message, outcome
    assert target.read_bytes() == b"someone else's work\n" and moved.read_bytes() == text_for(0)
    assert sorted(p.name for p in site.dept.iterdir()) == ["f0.txt", "moved.txt"]  # no temp left behind
    state, record = recorded(site.db, detector, action_id)
    assert state == "failed" and record["event"] == "failed"


def test_paths_with_dot_dot_empty_or_absolute_parts_are_refused(tmp_path):
    (tmp_path / "root" / "a").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("x")
    for rel in ("../secret.txt", "a/../../secret.txt", "/etc/passwd", "a//b", "./a", ""):
        with pytest.raises(UnsafeTarget, match="not a plain path"):
            path_parts(rel)
        with pytest.raises(UnsafeTarget), open_share_file(tmp_path / "root", rel):
            pass


def check_matches(site: Site, detector, action_id: int, kind: str, i: int) -> str:
    """The database, the audit log and the file agree on what happened to action ``action_id`` on f{i}.txt."""
    state, record = recorded(site.db, detector, action_id)
    assert record["event"] == state, (state, record)
    path = site.dept / f"f{i}.txt"
    if state == "executed" and kind == "mask":
        assert PHONE[:7] not in path.read_text(encoding="utf-8") and "****" in path.read_text(encoding="utf-8")
    elif state == "executed":
        assert not path.exists()
    else:
        assert state in ("failed", "stale") and path.read_bytes() == text_for(i)
    return state


# --- a thread swapping the folder as fast as it can ------------------------------------------------------------


class FolderSwapper(threading.Thread):
    """Renames share/dept aside, links share/dept to the outside twin, then undoes both, in a tight loop."""

    def __init__(self, site: Site) -> None:
        super().__init__(daemon=True)
        self.site, self.stop, self.swaps = site, threading.Event(), 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.site.swap_dept_for_link()
            time.sleep(0)
            self.site.swap_back()
            self.swaps += 1
            time.sleep(0)


def test_a_thread_racing_apply_never_gets_anything_outside_changed(tmp_path, packs, detector):
    count, max_rounds = 12, 8
    site = make_site(tmp_path, packs, detector, count)
    before = snapshot(tmp_path / "outside")
    todo, outcomes = set(range(count)), []
    with open_workspace(site.db, detector=detector) as ws:
        for round_no in range(max_rounds):
            if todo == set() or (round_no >= 3 and "executed" in outcomes and set(outcomes) - {"executed"}):
                break  # three rounds at least; more only until the race has gone both ways (a loaded machine)
            ids = {}
            for i in sorted(todo):
                kind = KINDS[i % 3]
                ids[i] = (ws.service.propose(Proposal(kind, path=site.dept / f"f{i}.txt"), ALICE), kind)
                ws.service.approve(ids[i][0], BOB)
            swapper = FolderSwapper(site)
            swapper.start()
            try:
                ws.service.apply(BOB, [a for a, _ in ids.values()])
            finally:
                swapper.stop.set()
                swapper.join()
                site.swap_back()
            assert swapper.swaps > 0
            assert snapshot(tmp_path / "outside") == before
            for i, (action_id, kind) in ids.items():
                state = check_matches(site, detector, action_id, kind, i)
                outcomes.append(state)
                if state == "executed":
                    todo.discard(i)
                elif state == "stale":
                    ws.scanner.rescan_one(str(site.share), f"dept/f{i}.txt")
    assert "executed" in outcomes and set(outcomes) - {"executed"}, outcomes  # the race did bite, both ways


def test_plain_working_copies_a_crash_left_behind_are_removed_by_the_next_apply(tmp_path, packs, detector):
    site = make_site(tmp_path, packs, detector)
    scratch = site.db.with_name(site.db.stem + ".work")
    leftover = scratch / "action-7" / "in" / "f0.txt"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(text_for(0))  # what a kill -9 mid-mask leaves: a plain copy of a share file
    with open_workspace(site.db, detector=detector) as ws:
        assert ws.service.apply(BOB) == []
    assert not (scratch / "action-7").exists()
    assert (site.dept / "f0.txt").read_bytes() == text_for(0)
