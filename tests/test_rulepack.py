"""Rule packs are validated on load, with messages that name the file and the rule."""

from __future__ import annotations

import pytest

from scanner.detect.entity_types import DOCUMENT_IMAGE_TYPES
from scanner.detect.rulepack import ENTITY_TYPES, RulePackError, load_default_packs, load_pack, load_packs

GOOD_RULE = """
[[rules]]
id = "demo_rule"
entity_type = "CN_QQ"
sensitivity = "general"
validator = "cn_qq"
patterns = [{ name = "p", regex = '\\d{5,11}' }]
"""


def write(tmp_path, body, name="pack.toml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_builtin_packs_load_with_versions_and_unique_ids():
    packs = load_default_packs()
    assert {p.pack_id for p in packs} >= {"cn-identity", "cn-contact", "finance", "general"}
    ids = [r.id for p in packs for r in p.rules]
    assert len(ids) == len(set(ids))
    assert all(r.pack_ref == f"{p.pack_id}@{p.version}" for p in packs for r in p.rules)


def test_builtin_packs_cover_every_taxonomy_entity_type():
    covered = {r.entity_type for p in load_default_packs() for r in p.rules}
    # LOCATION (non-Chinese postal addresses) comes with the names-and-addresses issue; pictures of ID cards and
    # bank cards are found by OCR's document classification, not by a rule.
    assert ENTITY_TYPES - covered <= {"LOCATION", *DOCUMENT_IMAGE_TYPES}


def test_minimal_pack_loads(tmp_path):
    pack = load_pack(write(tmp_path, 'pack_id = "demo"\nversion = "0.1.0"\n' + GOOD_RULE))
    assert pack.rules[0].pack_ref == "demo@0.1.0"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('pack_id = "demo"\nversion = "1"\n' + GOOD_RULE, "not semantic"),
        ('version = "1.0.0"\n' + GOOD_RULE, "missing required key 'pack_id'"),
        (
            'pack_id = "demo"\nversion = "1.0.0"\n' + GOOD_RULE.replace("cn_qq", "no_such"),
            "unknown validator",
        ),
        (
            'pack_id = "demo"\nversion = "1.0.0"\n' + GOOD_RULE.replace('"CN_QQ"', '"SSN"'),
            "unknown entity_type",
        ),
        (
            'pack_id = "demo"\nversion = "1.0.0"\n' + GOOD_RULE.replace("\\d{5,11}", "(unclosed"),
            "does not compile",
        ),
        ('pack_id = "demo"\nversion = "1.0.0"\n' + GOOD_RULE + GOOD_RULE, "defined twice"),
        ('pack_id = "demo"\nversion = "1.0.0"\n' + GOOD_RULE.replace('"general"', '"secret"'), "sensitivity"),
        ("pack_id = [", "not valid TOML"),
    ],
)
def test_bad_packs_are_rejected_with_a_precise_message(tmp_path, body, message):
    path = write(tmp_path, body)
    with pytest.raises(RulePackError) as err:
        load_pack(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_rule_ids_must_be_unique_across_packs(tmp_path):
    a = write(tmp_path, 'pack_id = "a"\nversion = "1.0.0"\n' + GOOD_RULE, "a.toml")
    b = write(tmp_path, 'pack_id = "b"\nversion = "1.0.0"\n' + GOOD_RULE, "b.toml")
    with pytest.raises(RulePackError, match="defined twice"):
        load_packs([a, b])
