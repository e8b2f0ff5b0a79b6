"""Helpers for the zone-policy tests: a share with a public folder, a custos.toml with zones, a scan into a
database in this process (the session's detector) with the zones judged as `custos scan --config` judges them."""

from __future__ import annotations

from pathlib import Path

from scanner.build import build_scanner
from scanner.daemon.config import load_zones
from scanner.store.store import Store
from scanner.zones.guard import attach_guard

RESIDENT_ID = "110105199003071239"
PHONE = "13912345678"

ZONES_TOML = """
[[zones]]
name = "公共盘"
globs = ["公共/**", "*/共享/**"]
severity = "high"
forbid_entities = ["CN_RESIDENT_ID"]
max_people = 2
"""


def write_zone_share(root: Path) -> Path:
    """公共/名单.txt holds a resident ID (a violation); 人事/档案.txt holds one where it may be."""
    (root / "公共").mkdir(parents=True, exist_ok=True)
    (root / "人事").mkdir(parents=True, exist_ok=True)
    (root / "公共" / "名单.txt").write_text(f"客户：张伟\n身份证：{RESIDENT_ID}\n", encoding="utf-8")
    (root / "人事" / "档案.txt").write_text(f"员工：李娜\n身份证：{RESIDENT_ID}\n", encoding="utf-8")
    return root


def write_config(path: Path, text: str = ZONES_TOML) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def zone_scan(db: Path, share: Path, config: Path, packs, detector, *, ocr: bool = True) -> None:
    """Scan `share` into `db` with the zones of `config` judged after each file."""
    from scanner.scan import ScanOptions

    with Store(db) as store:
        scanner = build_scanner(store, store.path, packs, detector=detector, options=ScanOptions(ocr=ocr))
        guard = attach_guard(scanner, store, load_zones(config))
        try:
            scanner.scan(share)
        finally:
            if guard:
                guard.close()
