"""Site packs laid over the built-in ones, instead of copies of them (gitleaks' ``extend`` / ``disabledRules``).

A site pack (in a ``--rules`` folder) adds its rules to the built-in packs. With ``extends = "builtin"`` it
may also replace a built-in rule (a rule with the same id takes its place; its findings then record the site
pack's ``pack@version``) and turn built-in rules off (``disabled_rules = ["id", ...]``). Without ``extends``,
a site rule reusing a built-in id is an error, so no rule is replaced by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from scanner.detect.pack_schema import BUILTIN
from scanner.detect.rulepack import RulePack, RulePackError
from scanner.detect.table_check import did_you_mean, located
from scanner.i18n import _


def overlay(builtin: Sequence[RulePack], site: Sequence[RulePack]) -> list[RulePack]:
    """The built-in packs less the rules site packs replace or disable, then the site packs."""
    builtin_ids = {rule.id for pack in builtin for rule in pack.rules}
    problems = _duplicates(builtin) + _duplicates(site)
    removed: set[str] = set()
    for pack in site:
        problems += _site_problems(pack, builtin_ids)
        removed |= set(pack.disabled_rules) | ({rule.id for rule in pack.rules} & builtin_ids)
    if problems:
        raise RulePackError(*problems)
    kept = [_without(pack, removed) for pack in builtin]
    return [*kept, *site]


def _site_problems(pack: RulePack, builtin_ids: set[str]) -> list[str]:
    where = str(pack.source)
    own = {rule.id for rule in pack.rules}
    problems = []
    for rid in pack.disabled_rules:
        if rid not in builtin_ids:
            problem = _("disabled_rules: no built-in rule {id!r}{hint}").format(
                id=rid, hint=did_you_mean(rid, builtin_ids)
            )
            problems.append(located(where, problem))
        elif rid in own:
            problems.append(located(where, _("rule {id!r} is both redefined and disabled; keep one").format(id=rid)))
    if pack.extends != BUILTIN:
        for rid in sorted(own & builtin_ids):
            problem = _(
                "rule {id!r} is defined twice (it is a built-in rule): add extends = {pack!r} to the pack to replace"
                " it, or choose another id"
            ).format(id=rid, pack=BUILTIN)
            problems.append(located(where, problem))
    return problems


def _duplicates(packs: Sequence[RulePack]) -> list[str]:
    """A rule id defined in two packs of the same layer, named with both files."""
    first: dict[str, Path] = {}
    problems = []
    for pack in packs:
        for rule in pack.rules:
            if rule.id in first:
                problem = _("rule {id!r} is defined twice (also in {other})").format(id=rule.id, other=first[rule.id])
                problems.append(located(str(pack.source), problem))
            first.setdefault(rule.id, pack.source)
    return problems


def _without(pack: RulePack, removed: set[str]) -> RulePack:
    if not any(rule.id in removed for rule in pack.rules):
        return pack
    return replace(pack, rules=tuple(rule for rule in pack.rules if rule.id not in removed))
