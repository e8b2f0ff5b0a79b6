"""Zone policies: [[zones]] validation, the rules judged per file, and violations recorded by a real scan of a
real folder (masked, never duplicated, resolved once the file is fixed), the alert hook and auto-quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.actions.service import Proposal
from scanner.actions.workspace import open_workspace
from scanner.daemon.config import ConfigError, load_config, load_zones
from scanner.states import ActionKind, ActionState, ViolationState, ZoneRuleKind, ZoneSeverity
from scanner.store.actions import ActionStore
from scanner.store.store import Store
from scanner.store.violations import HeldFinding, ViolationStore
from scanner.zones import hooks
from scanner.zones.evaluate import violations_for_file
from scanner.zones.globs import GlobError, ZoneGlobs
from scanner.zones.model import Zone, ZoneRule
from tests.action_fixtures import ALICE, BOB
from tests.engines import (
    as_path,
    audit_text,
    db_url_slow_on_postgresql,  # noqa: F401 - this module's db_url: PostgreSQL halves are slow
    everything_stored,
)
from tests.zone_fixtures import PHONE, RESIDENT_ID, write_config, write_zone_share, zone_scan

# --- config -------------------------------------------------------------------------------------------------


def _zones(tmp_path: Path, body: str):
    return load_zones(write_config(tmp_path / "custos.toml", body))


def test_zones_are_read_with_their_rules(tmp_path: Path) -> None:
    (zone,) = _zones(
        tmp_path,
        """
[[zones]]
name = "外包"
globs = ["外包/**"]
severity = "critical"
forbid_sensitivity = ["sensitive"]
forbid_entities = ["CN_RESIDENT_ID", "CN_BANK_CARD"]
max_people = 50
max_exposure = "group"
auto_quarantine = true
""",
    )
    assert zone.name == "外包" and zone.severity == ZoneSeverity.CRITICAL and zone.auto_quarantine
    assert [r.kind for r in zone.rules] == list(ZoneRuleKind)
    assert zone.rules[1].values == ("CN_RESIDENT_ID", "CN_BANK_CARD") and zone.rules[2].limit == 50


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('globs = ["公共/**"]\nseverity = "high"\nforbid_entitis = ["CN_RESIDENT_ID"]',
         'zones[1] "Z": unknown key forbid_entitis (did you mean forbid_entities?)'),
        ('globs = ["公共/**"]\nseverity = "urgent"\nmax_people = 3',
         'zones[1] "Z": severity: expected low | medium | high | critical, got "urgent"'),
        ('globs = ["公共/**"]\nseverity = "high"\nforbid_entities = ["CN_RESIDENT_NO"]',
         'zones[1] "Z": forbid_entities: unknown entity type "CN_RESIDENT_NO"'),
        ('globs = ["公共/**"]\nseverity = "high"\nforbid_sensitivity = ["secret"]',
         'zones[1] "Z": forbid_sensitivity: unknown sensitivity "secret"'),
        ('globs = ["/srv/公共/**"]\nseverity = "high"\nmax_people = 3', 'zones[1] "Z": globs: '),
        ('globs = ["公共/[ab"]\nseverity = "high"\nmax_people = 3', "unclosed '['"),
        ('globs = ["公共/a**"]\nseverity = "high"\nmax_people = 3', "'**' must be a whole path segment"),
        ('globs = ["../x/**"]\nseverity = "high"\nmax_people = 3', "'..' segments"),
        ('globs = []\nseverity = "high"\nmax_people = 3', "globs: expected a non-empty array"),
        ('globs = ["公共/**"]\nseverity = "high"', 'zones[1] "Z": no rule given'),
        ('globs = ["公共/**"]\nseverity = "high"\nmax_people = -1', "max_people: expected an integer >= 0"),
        ('globs = ["公共/**"]\nseverity = "high"\nmax_exposure = "world"', "max_exposure: expected owner | group"),
        ('globs = ["公共/**"]\nseverity = "high"\nmax_people = 1\nauto_quarantine = "yes"',
         "auto_quarantine: expected true or false"),
    ],
)  # fmt: skip
def test_a_bad_zone_is_one_line_naming_file_zone_and_key(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _zones(tmp_path, f'[[zones]]\nname = "Z"\n{body}\n')
    text = str(caught.value)
    assert "\n" not in text and text.startswith(f"{tmp_path / 'custos.toml'}: ") and message in text


def test_duplicate_zone_names_and_unknown_sections_are_refused(tmp_path: Path) -> None:
    one = '[[zones]]\nname = "Z"\nglobs = ["a/**"]\nseverity = "low"\nmax_people = 1\n'
    with pytest.raises(ConfigError, match='zones\\[2\\] "Z": name: already used'):
        _zones(tmp_path, one + one)
    with pytest.raises(ConfigError, match="unknown key zone "):
        _zones(tmp_path, "[zone]\nname = 1\n")


def test_the_daemon_config_carries_the_same_zones(tmp_path: Path) -> None:
    (tmp_path / "share").mkdir()
    path = write_config(tmp_path / "custos.toml", '[[roots]]\npath = "share"\n' + (
        '[[zones]]\nname = "公共盘"\nglobs = ["公共/**"]\nseverity = "high"\nforbid_entities = ["CN_RESIDENT_ID"]\n'
    ))  # fmt: skip
    config = load_config(path)
    assert [z.name for z in config.zones] == ["公共盘"] and config.zones == load_zones(path)


@pytest.mark.parametrize(
    ("glob", "inside", "outside"),
    [
        ("公共/**", ["公共/a.txt", "公共/x/y/z.csv"], ["公共x/a.txt", "a/公共/b.txt", "公共"]),
        ("*/共享/**", ["部门/共享/a.txt", "部门/共享/b/c.txt"], ["共享/a.txt", "a/b/共享/c.txt"]),
        ("外包/*.xlsx", ["外包/名单.xlsx"], ["外包/a/名单.xlsx", "外包/名单.csv"]),
        ("*.sql", ["dump.sql", "a/b/dump.sql"], ["dump.sql.gz"]),
        ("**/临时/**", ["临时/a", "x/y/临时/a"], ["临时a/b"]),
    ],
)
def test_zone_globs(glob: str, inside: list[str], outside: list[str]) -> None:
    globs = ZoneGlobs((glob,))
    assert [p for p in inside if not globs.matches(p)] == []
    assert [p for p in outside if globs.matches(p)] == []


def test_an_empty_glob_list_is_refused() -> None:
    with pytest.raises(GlobError):
        ZoneGlobs(())


# --- evaluation ---------------------------------------------------------------------------------------------

ID_PREVIEW, PHONE_PREVIEW = "110105********1239", "139****5678"


def _zone(*rules: ZoneRule, glob: str = "公共/**") -> Zone:
    return Zone("公共盘", ZoneGlobs((glob,)), ZoneSeverity.HIGH, rules)


def _found(*kinds: tuple[str, str, str]) -> list[HeldFinding]:
    return [HeldFinding(entity_type, sensitivity, preview) for entity_type, sensitivity, preview in kinds]


ID_FINDING = ("CN_RESIDENT_ID", "sensitive", ID_PREVIEW)
PHONE_FINDING = ("CN_MOBILE", "general", PHONE_PREVIEW)


def test_forbid_sensitivity_names_the_sensitivity_and_keeps_previews() -> None:
    zone = _zone(ZoneRule(ZoneRuleKind.FORBID_SENSITIVITY, values=("sensitive",)))
    (v,) = violations_for_file([zone], "公共/a.txt", _found(ID_FINDING, PHONE_FINDING), people=1, exposure=None)
    assert (v.zone, v.rule, v.severity, v.previews, v.count) == (
        "公共盘", "forbid_sensitivity:sensitive", ZoneSeverity.HIGH, (ID_PREVIEW,), 1,
    )  # fmt: skip
    assert violations_for_file([zone], "公共/a.txt", _found(PHONE_FINDING), people=1, exposure=None) == []


def test_forbid_entities_one_violation_per_type_found() -> None:
    zone = _zone(ZoneRule(ZoneRuleKind.FORBID_ENTITIES, values=("CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD")))
    found = violations_for_file([zone], "公共/a.txt", _found(ID_FINDING, ID_FINDING, PHONE_FINDING), people=1,
                                exposure=None)  # fmt: skip
    assert [(v.rule, v.count, v.previews) for v in found] == [
        ("forbid_entities:CN_RESIDENT_ID", 2, (ID_PREVIEW,)), ("forbid_entities:CN_MOBILE", 1, (PHONE_PREVIEW,)),
    ]  # fmt: skip


def test_max_people_is_judged_only_when_known_and_above_the_limit() -> None:
    zone = _zone(ZoneRule(ZoneRuleKind.MAX_PEOPLE, limit=2))
    found = _found(ID_FINDING, PHONE_FINDING)
    assert violations_for_file([zone], "公共/a.txt", found, people=2, exposure=None) == []
    assert violations_for_file([zone], "公共/a.txt", found, people=None, exposure=None) == []
    (v,) = violations_for_file([zone], "公共/a.txt", found, people=3, exposure=None)
    assert v.rule == "max_people:2" and v.count == 2


def test_max_exposure_is_judged_only_when_known() -> None:
    zone = _zone(ZoneRule(ZoneRuleKind.MAX_EXPOSURE, level="group"))
    found = _found(ID_FINDING)
    assert violations_for_file([zone], "公共/a.txt", found, people=1, exposure=None) == []
    assert violations_for_file([zone], "公共/a.txt", found, people=1, exposure="group") == []
    (v,) = violations_for_file([zone], "公共/a.txt", found, people=1, exposure="all")
    assert v.rule == "max_exposure:group"


def test_files_outside_the_zone_or_without_findings_break_nothing() -> None:
    zone = _zone(ZoneRule(ZoneRuleKind.FORBID_ENTITIES, values=("CN_RESIDENT_ID",)), ZoneRule(ZoneRuleKind.MAX_PEOPLE,
                 limit=0))  # fmt: skip
    assert violations_for_file([zone], "人事/a.txt", _found(ID_FINDING), people=5, exposure=None) == []
    assert violations_for_file([zone], "公共/a.txt", [], people=0, exposure=None) == []


# --- recorded by a scan -------------------------------------------------------------------------------------


@pytest.fixture
def zoned(tmp_path: Path, db_url: str):
    share = write_zone_share(tmp_path / "share")
    return share, as_path(db_url), write_config(tmp_path / "custos.toml")


@pytest.fixture
def alerts():
    received = []
    hooks.on_new_violation(received.append)
    yield received
    hooks.remove_callback(received.append)


def _violations(db: Path, **where) -> list:
    with Store(db) as store:
        return ViolationStore(store).violations(**where)


def test_a_scan_records_the_violation_masked_once_and_alerts_once(zoned, alerts, packs, detector) -> None:
    share, db, config = zoned
    zone_scan(db, share, config, packs, detector)
    (v,) = _violations(db)
    assert (v.rel_path, v.zone, v.rule, v.severity, v.state) == (
        "公共/名单.txt", "公共盘", "forbid_entities:CN_RESIDENT_ID", ZoneSeverity.HIGH, ViolationState.OPEN,
    )  # fmt: skip
    assert v.previews and all(RESIDENT_ID not in p and "*" in p for p in v.previews) and v.findings == 1
    (alert,) = alerts
    assert (alert.violation_id, alert.rule, alert.root, alert.masked_previews) == (
        v.id, v.rule, str(share.resolve()), v.previews,
    )  # fmt: skip
    assert alert.masked_path == "公共/名单.txt" and alert.zone == "公共盘" and alert.count == 1 and alert.host
    stored = everything_stored(db)
    assert RESIDENT_ID not in stored and "张伟" not in stored

    zone_scan(db, share, config, packs, detector)  # unchanged: a repeat, not a new violation
    (again,) = _violations(db)
    assert again.id == v.id and again.first_seen == v.first_seen and len(alerts) == 1


def test_a_changed_file_still_violating_updates_last_seen(zoned, alerts, packs, detector) -> None:
    share, db, config = zoned
    zone_scan(db, share, config, packs, detector)
    with Store(db) as store:
        store.connection.execute("UPDATE zone_violations SET last_seen = '2000-01-01T00:00:00Z'")
    (share / "公共" / "名单.txt").write_text(f"身份证：{RESIDENT_ID}\n备注：已核对\n", encoding="utf-8")
    zone_scan(db, share, config, packs, detector)
    (v,) = _violations(db)
    assert v.state == ViolationState.OPEN and v.last_seen > "2000-01-01T00:00:00Z" and len(alerts) == 1


@pytest.mark.parametrize("fix", ["clean", "delete", "move_out"])
def test_a_fixed_file_resolves_its_violation(zoned, alerts, packs, detector, fix: str) -> None:
    share, db, config = zoned
    zone_scan(db, share, config, packs, detector)
    public = share / "公共" / "名单.txt"
    if fix == "clean":
        public.write_text("客户：张伟\n身份证：已删除\n", encoding="utf-8")
    elif fix == "delete":
        public.unlink()
    else:
        public.rename(share / "人事" / "名单.txt")
    zone_scan(db, share, config, packs, detector)
    assert _violations(db, state=ViolationState.OPEN) == []
    (v,) = _violations(db, state=ViolationState.RESOLVED)
    assert v.resolved_at is not None and len(alerts) == 1
    if fix == "clean":  # the data comes back: a new violation, alerted again
        public.write_text(f"身份证：{RESIDENT_ID}\n", encoding="utf-8")
        zone_scan(db, share, config, packs, detector)
        assert len(_violations(db, state=ViolationState.OPEN)) == 1 and len(alerts) == 2


def test_max_people_counts_records_with_a_person_identifier(tmp_path: Path, db_url, alerts, packs, detector) -> None:
    share = tmp_path / "share"
    (share / "公共").mkdir(parents=True)
    rows = "\n".join(f"客户{i},1391234{5670 + i},备注" for i in range(3))
    (share / "公共" / "名单.csv").write_text(f"姓名,手机,备注\n{rows}\n", encoding="utf-8")
    (share / "公共" / "两人.csv").write_text(f"手机\n{PHONE}\n13812345678\n", encoding="utf-8")
    db = as_path(db_url)
    zone_scan(db, share, write_config(tmp_path / "custos.toml"), packs, detector)
    (v,) = _violations(db)
    assert (v.rel_path, v.rule) == ("公共/名单.csv", "max_people:2")


def test_a_raising_hook_never_breaks_the_scan(zoned, alerts, packs, detector, caplog) -> None:
    def broken(alert) -> None:
        raise RuntimeError("smtp down")

    hooks.on_new_violation(broken)
    try:
        share, db, config = zoned
        zone_scan(db, share, config, packs, detector)
    finally:
        hooks.remove_callback(broken)
    assert len(_violations(db)) == 1 and len(alerts) == 1  # the callback after the broken one still ran
    assert "smtp down" in caplog.text
    with Store(db) as store:
        assert store.file(str(share.resolve()), "人事/档案.txt") is not None  # the scan went on


def test_auto_quarantine_proposes_and_never_executes(zoned, packs, detector) -> None:
    share, db, config = zoned
    write_config(config, config.read_text(encoding="utf-8") + "auto_quarantine = true\n")
    zone_scan(db, share, config, packs, detector)
    (v,) = _violations(db)
    with Store(db) as store:
        action = ActionStore(store).action(v.action_id)
    assert (action.kind, action.state, action.proposed_by) == (
        ActionKind.QUARANTINE, ActionState.PROPOSED, "custos-zones",
    )  # fmt: skip
    assert (share / "公共" / "名单.txt").exists()
    audit = audit_text(db)
    assert "custos-zones" in audit and RESIDENT_ID not in audit

    with open_workspace(db, detector=detector) as ws:  # approved and applied by a person: the file leaves the zone
        ws.service.approve(v.action_id, BOB)
        [outcome] = ws.service.apply(BOB, [v.action_id])
    assert outcome.state == ActionState.EXECUTED and not (share / "公共" / "名单.txt").exists()
    (resolved,) = _violations(db)
    assert resolved.state == ViolationState.RESOLVED


def test_masking_the_value_resolves_the_violation(zoned, alerts, packs, detector) -> None:
    share, db, config = zoned
    zone_scan(db, share, config, packs, detector)
    (v,) = _violations(db)
    with Store(db) as store:
        ids = [f.id for f in ActionStore(store).active_findings_of(v.file_id) if f.entity_type == "CN_RESIDENT_ID"]
    with open_workspace(db, detector=detector) as ws:
        action_id = ws.service.propose(Proposal(ActionKind.MASK, finding_ids=tuple(ids)), ALICE)
        ws.service.approve(action_id, BOB)
        [outcome] = ws.service.apply(BOB, [action_id])
    assert outcome.state == ActionState.EXECUTED
    assert RESIDENT_ID not in (share / "公共" / "名单.txt").read_text(encoding="utf-8")
    (masked,) = _violations(db)
    assert masked.state == ViolationState.RESOLVED and len(alerts) == 1
