"""A site pack extends the built-in packs instead of copying them: it adds rules, replaces a built-in rule by
id and turns built-in rules off by id, through the real CLI; mistakes in doing so are one-line errors."""

from __future__ import annotations

import json

import pytest

from scanner.detect.rulepack import active_rules, load_default_packs
from tests.cli_output import custos

SITE_PACK = r"""
pack_id = "site"
version = "2.0.0"
extends = "builtin"
disabled_rules = ["cn_mobile"]

[[rules]]
id = "email"          # replaces the built-in rule of that id: here e-mail addresses count as sensitive
entity_type = "EMAIL_ADDRESS"
sensitivity = "sensitive"
validator = "email"
score = 0.9
prefilter = '@'
mask = { style = "email" }
patterns = [
  { name = "email", regex = '(?<![\w.%+-])(?P<value>[A-Za-z0-9][\w.%+-]*@[\w-]+(?:\.[\w-]+)+)(?![\w-])' },
]
[rules.examples]
positive = ["邮箱 «c.d@example.org»", "to=«hr@example.org»"]
negative = ["user@localhost", "example.org"]

[[rules]]
id = "site_extension"  # added: the company's internal phone extensions
entity_type = "PHONE_NUMBER"
sensitivity = "general"
score = 0.8
mask = { style = "keep", head = 1 }
patterns = [{ name = "extension", regex = '分机(?P<value>8\d{3})(?!\d)' }]
[rules.examples]
positive = ["请拨分机«8123»", "分机«8001»转人事"]
negative = ["分机1234", "工号 8123"]
"""
TEXT = "手机 13800138000，邮箱 a.b@gmail.com 和 c.d@example.org，分机8123\n"


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "site.toml").write_text(SITE_PACK, encoding="utf-8")
    return folder


def test_the_builtin_packs_find_what_the_site_pack_changes(detector):
    found = {(d.rule_id, d.value) for d in detector.detect(TEXT.strip())}
    assert ("cn_mobile", "13800138000") in found and ("email", "a.b@gmail.com") in found
    assert not any(rule == "site_extension" for rule, _ in found)


@pytest.mark.slow  # subprocesses of the CLI: seconds each (default run under 5 min)
def test_scan_with_a_site_pack_disables_replaces_and_adds(tmp_path, site):
    share = tmp_path / "share"
    share.mkdir()
    (share / "contacts.txt").write_text(TEXT, encoding="utf-8")
    result = custos("scan", share, "--db", tmp_path / "f.db", "--rules", site, "--format", "jsonl", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    found = {(r["rule"], r["pack"], r["preview"], r["sensitivity"]) for r in rows}
    assert not any(f[0] == "cn_mobile" for f in found)  # disabled by id
    assert {f for f in found if f[0] == "email"} == {  # replaced: the site's rule, the site's sensitivity
        ("email", "site@2.0.0", "a***@gmail.com", "sensitive"),
        ("email", "site@2.0.0", "c***@example.org", "sensitive"),
    }
    assert ("site_extension", "site@2.0.0", "8***", "general") in found  # added


@pytest.mark.slow  # a CLI subprocess loading the engine; the scan test above covers the overlay
def test_rules_test_runs_the_site_rules_and_not_the_disabled_one(site):
    result = custos("rules", "test", "--rules", site)
    assert result.returncode == 0, result.stdout + result.stderr
    builtin_rules = len(active_rules(load_default_packs()))
    assert result.stdout.decode().strip().endswith(f" 0 failed ({builtin_rules} rules)")  # -1 disabled, +1 added


def test_rules_list_shows_the_replacement_and_not_the_disabled_rule(site):
    result = custos("rules", "list", "--rules", site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert not any("cn_mobile " in line for line in lines)
    [email] = [line for line in lines if "│ email " in line or line.startswith("email ")]
    assert "site@2.0.0" in email


def test_without_packs_the_default_set_is_unchanged():
    builtin = custos("rules", "check")
    assert builtin.returncode == 0 and builtin.stdout.decode().startswith("ok: 5 packs, ")


OVERLAY_CASES = {
    "unknown_disabled": (
        'pack_id = "s1"\nversion = "1.0.0"\nextends = "builtin"\ndisabled_rules = ["cn_mobil"]\n',
        "disabled_rules: no built-in rule 'cn_mobil' (did you mean 'cn_mobile'?)",
    ),
    "redefined_without_extends": (
        'pack_id = "s2"\nversion = "1.0.0"\n\n[[rules]]\nid = "ipv4"\nentity_type = "IP_ADDRESS"\n'
        'sensitivity = "general"\npatterns = [{ name = "p", regex = \'x\' }]\n',
        "rule 'ipv4' is defined twice (it is a built-in rule): add extends = 'builtin' to the pack to replace it, "
        "or choose another id",
    ),
    "redefined_and_disabled": (
        'pack_id = "s3"\nversion = "1.0.0"\nextends = "builtin"\ndisabled_rules = ["ipv6"]\n\n[[rules]]\n'
        'id = "ipv6"\nentity_type = "IP_ADDRESS"\nsensitivity = "general"\n'
        "patterns = [{ name = \"p\", regex = 'x' }]\n",
        "rule 'ipv6' is both redefined and disabled; keep one",
    ),
}


def test_overlay_mistakes_are_one_line_each(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    for stem, (text, _) in OVERLAY_CASES.items():
        (folder / f"{stem}.toml").write_text(text, encoding="utf-8")
    result = custos("rules", "check", folder)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    expected = {f"custos: error: {folder / stem}.toml: {line}" for stem, (_, line) in OVERLAY_CASES.items()}
    assert set(result.stderr.decode().splitlines()) == expected


def test_two_site_packs_cannot_define_the_same_rule(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    rule = (
        '\n[[rules]]\nid = "staff_no"\nentity_type = "PERSON"\nsensitivity = "general"\n'
        "patterns = [{ name = \"p\", regex = 'x' }]\n"
    )
    (folder / "a.toml").write_text('pack_id = "a"\nversion = "1.0.0"\n' + rule, encoding="utf-8")
    (folder / "b.toml").write_text('pack_id = "b"\nversion = "1.0.0"\n' + rule, encoding="utf-8")
    result = custos("rules", "check", folder)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        f"custos: error: {folder / 'b.toml'}: rule 'staff_no' is defined twice (also in {folder / 'a.toml'})"
    ]
