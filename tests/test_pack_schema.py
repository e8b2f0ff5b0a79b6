"""A rule pack that breaks the schema is refused by the real CLI with one line per problem, naming the file,
the rule and the key: exit code 2, no traceback, nothing loaded silently."""

from __future__ import annotations

import pytest

from rules import builtin_pack_paths
from scanner.detect.pack_schema import pack_problems
from scanner.detect.rulepack import RulePackError, load_pack
from tests.cli_output import custos

_BASE_RULE = {
    "id": '"demo"',
    "entity_type": '"CN_QQ"',
    "sensitivity": '"general"',
    "validator": '"cn_qq"',
    "patterns": "[{ name = \"p\", regex = '\\d{5,11}' }]",
}


def pack_text(head: dict[str, str] | None = None, **rule: str | None) -> str:
    """A pack with one rule; keyword values are TOML literals, None drops a key of the base rule."""
    header = {"pack_id": '"demo"', "version": '"1.0.0"', **(head or {})}
    keys = {**_BASE_RULE, **rule}
    lines = [f"{k} = {v}" for k, v in header.items()] + ["", "[[rules]]"]
    return "\n".join(lines + [f"{k} = {v}" for k, v in keys.items() if v is not None]) + "\n"


RULE = "rule 'demo': "
# file stem -> (pack text, the one error line after "custos: error: <file>: ")
SCHEMA_CASES: dict[str, tuple[str, str]] = {
    "unknown_rule_key": (
        pack_text(requires_contxt="true"),
        RULE + "unknown key 'requires_contxt' (did you mean 'requires_context'?)",
    ),
    "unknown_mask_key": (
        pack_text(mask="{ heda = 2 }"),
        RULE + "unknown key 'mask.heda' (did you mean 'mask.head'?)",
    ),
    "unknown_pack_key": (
        pack_text({"extend": '"builtin"'}),
        "unknown key 'extend' (did you mean 'extends'?)",
    ),
    "unknown_pattern_key": (
        pack_text(patterns="[{ name = \"p\", regx = 'x' }]"),
        RULE + "pattern 'p': unknown key 'regx' (did you mean 'regex'?)",
    ),
    "wrong_type": (
        pack_text(requires_context='"yes"', context='["QQ"]'),
        RULE + "'requires_context' must be true or false, got 'yes'",
    ),
    "mask_head_type": (
        pack_text(mask='{ style = "keep", head = -1 }'),
        RULE + "'mask.head' must be a whole number >= 0, got -1",
    ),
    "entity_type": (
        pack_text(entity_type='"CN_MOBLE"'),
        RULE + "unknown entity_type 'CN_MOBLE' (did you mean 'CN_MOBILE'?)",
    ),
    "mask_style": (
        pack_text(mask='{ style = "hide" }'),
        RULE + "unknown mask.style 'hide'; known: address, email, ip, keep, name",
    ),
    "validator": (
        pack_text(validator='"cn_q"'),
        RULE + "unknown validator 'cn_q' (did you mean 'cn_qq'?)",
    ),
    "regex": (
        pack_text(patterns="[{ name = \"p\", regex = '(unclosed' }]"),
        RULE + "pattern 'p': 'regex' does not compile: missing ), unterminated subpattern at position 0",
    ),
    "prefilter_regex": (
        pack_text(prefilter="'[QQ'"),
        RULE + "'prefilter' does not compile: unterminated character set at position 0",
    ),
    "score_range": (
        pack_text(score="1.5"),
        RULE + "'score' must be a number between 0 and 1, got 1.5",
    ),
    "pattern_score_range": (
        pack_text(patterns="[{ name = \"p\", regex = 'x', score = -0.1 }]"),
        RULE + "pattern 'p': 'score' must be a number between 0 and 1, got -0.1",
    ),
    "context_words": (
        pack_text(context='["QQ", ""]'),
        RULE + "'context[1]' must be a non-empty string, got ''",
    ),
    "context_required_but_empty": (
        pack_text(requires_context="true"),
        RULE + "requires_context = true needs 'context' words (else the rule can never report)",
    ),
    "examples_shape": (
        pack_text(examples='{ positive = "QQ «12345»" }'),
        RULE + "'examples.positive' must be an array, got 'QQ «12345»'",
    ),
    "examples_key": (
        pack_text(examples='{ positives = ["QQ «12345»"] }'),
        RULE + "unknown key 'examples.positives' (did you mean 'examples.positive'?)",
    ),
    "missing_key": (
        pack_text(sensitivity=None),
        RULE + "missing required key 'sensitivity'",
    ),
    "rule_id": (
        pack_text(id='"Demo-Rule"'),
        "rule 'Demo-Rule': 'id' must be lower_snake_case (a-z, 0-9, _; a letter first), got 'Demo-Rule'",
    ),
    "version": (
        pack_text({"version": '"1"'}),
        "version '1' is not semantic (MAJOR.MINOR.PATCH)",
    ),
    "lexicon": (
        pack_text(recognizer='"cn_person_name"', lexicon='"missing.toml"', patterns=None),
        RULE + "lexicon file 'missing.toml' does not exist",
    ),
    "disabling_without_extends": (
        pack_text({"disabled_rules": '["cn_qq"]'}),
        "'disabled_rules' turns off built-in rules: add extends = 'builtin' to the pack",
    ),
    "policy_key": (
        pack_text().replace("\n[[rules]]", "\n[policy]\nminor_ag = 14\n\n[[rules]]", 1),
        "unknown key 'policy.minor_ag' (did you mean 'policy.minor_age'?)",
    ),
}


@pytest.fixture(scope="module")
def schema_run(tmp_path_factory):
    """One `custos rules check` over a folder holding one broken pack per error class."""
    folder = tmp_path_factory.mktemp("bad_packs")
    for stem, (text, _) in SCHEMA_CASES.items():
        (folder / f"{stem}.toml").write_text(text, encoding="utf-8")
    result = custos("rules", "check", folder)
    return folder, result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.mark.parametrize("stem", SCHEMA_CASES)
def test_each_schema_error_is_one_line_naming_file_rule_and_key(schema_run, stem):
    folder, code, out, err = schema_run
    assert code == 2 and out == "" and "Traceback" not in err
    mine = [line for line in err.splitlines() if line.startswith(f"custos: error: {folder / stem}.toml: ")]
    assert mine == [f"custos: error: {folder / stem}.toml: {SCHEMA_CASES[stem][1]}"]


def test_every_line_of_the_run_belongs_to_one_case(schema_run):
    _, _, _, err = schema_run
    assert len(err.splitlines()) == len(SCHEMA_CASES)


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    path = tmp_path / "many.toml"
    path.write_text(pack_text(requires_contxt="true", score="2", mask='{ heda = 2, style = "nam" }'), "utf-8")
    result = custos("rules", "check", path)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().splitlines() == [
        f"custos: error: {path}: {RULE}unknown key 'requires_contxt' (did you mean 'requires_context'?)",
        f"custos: error: {path}: {RULE}'score' must be a number between 0 and 1, got 2",
        f"custos: error: {path}: {RULE}unknown key 'mask.heda' (did you mean 'mask.head'?)",
        f"custos: error: {path}: {RULE}unknown mask.style 'nam' (did you mean 'name'?)",
    ]


def test_bad_toml_is_one_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('pack_id = "demo"\nversion = [\n', encoding="utf-8")
    result = custos("rules", "check", path)
    [line] = result.stderr.decode().splitlines()
    assert result.returncode == 2 and line.startswith(f"custos: error: {path}: not valid TOML (")


@pytest.mark.parametrize(
    "command",
    [("scan", "{share}", "--db", "{db}", "--no-progress"), ("rules", "test"), ("rules", "list"), ("rules", "check")],
    ids=["scan", "rules test", "rules list", "rules check"],
)
def test_every_command_that_loads_packs_refuses_a_bad_one_in_one_line(tmp_path, command):
    site = tmp_path / "site"
    site.mkdir()
    (site / "x.toml").write_text(pack_text(requires_contxt="true"), encoding="utf-8")
    (tmp_path / "share").mkdir()
    args = [a.format(share=tmp_path / "share", db=tmp_path / "f.db") for a in command]
    result = custos(*args, "--rules", site)
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().splitlines() == [
        f"custos: error: {site / 'x.toml'}: {RULE}unknown key 'requires_contxt' (did you mean 'requires_context'?)"
    ]
    assert not (tmp_path / "f.db").exists()  # refused before anything was scanned or recorded


def test_a_mask_with_an_unknown_key_is_a_rule_pack_error_not_a_type_error(tmp_path):
    path = tmp_path / "mask.toml"
    path.write_text(pack_text(mask="{ heda = 2 }"), encoding="utf-8")
    with pytest.raises(RulePackError) as caught:
        load_pack(path)
    assert caught.value.problems == (f"{path}: {RULE}unknown key 'mask.heda' (did you mean 'mask.head'?)",)


@pytest.mark.parametrize("path", builtin_pack_paths(), ids=lambda p: p.name)
def test_builtin_packs_match_the_schema(path):
    import tomli

    assert pack_problems(tomli.loads(path.read_text(encoding="utf-8")), path.parent) == []


def test_cli_check_accepts_the_builtin_packs():
    result = custos("rules", "check")
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout.decode().startswith("ok: 5 packs, ")
    one = custos("rules", "check", builtin_pack_paths()[0])  # a maintainer checking the pack they edit
    assert one.returncode == 0 and one.stdout == result.stdout
