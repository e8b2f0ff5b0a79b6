"""Who may approve which action kind, in words, read from the action policy the app loaded (the built-in floor
made stricter by the site policy file): the help and the approvals screen never state a rule of their own.
"""

from __future__ import annotations

from rich.cells import cell_len

from scanner.actions.policy import ActionPolicy
from scanner.display import safe
from scanner.i18n import N_, _
from scanner.states import ACTION_KINDS, FILE_KINDS, ActionKind
from tui.vocabulary import listed, term

ONE_PERSON = N_("one person: the proposer may approve it")
TWO_PEOPLE = N_("two people: another person must approve it")


def _label(kind: str) -> str:
    return term(kind).replace("_", " ")


def _source(policy: ActionPolicy) -> str:
    if policy.source == "built-in":
        return _("From the built-in policy (no site policy file):")
    return _("From the site policy {file}:").format(file=safe(policy.source))


def _restore(policy: ActionPolicy) -> str:
    strict = [_label(k) for k in FILE_KINDS if policy.needs_second_person(ActionKind.RESTORE, undoes=k)]
    if policy.needs_second_person(ActionKind.RESTORE):
        return TWO_PEOPLE
    if not strict:
        return ONE_PERSON
    return _("as the action it undoes: two people after {kinds}").format(kinds=listed(strict))


def approval_rules(policy: ActionPolicy) -> list[tuple[str, str]]:
    """(kind, who approves it) for every action kind, as ``policy`` enforces it."""
    rules = []
    for kind in ACTION_KINDS:
        if kind == ActionKind.RESTORE:
            rules.append((_label(kind), _restore(policy)))
        else:
            rules.append((_label(kind), TWO_PEOPLE if policy.needs_second_person(kind) else ONE_PERSON))
    return rules


def approval_help(policy: ActionPolicy) -> str:
    """The rules one kind a line, for the help screen."""
    rules = approval_rules(policy)
    width = max(cell_len(kind) for kind, _who in rules)
    lines = [_source(policy)]
    lines += [f"  {kind}{' ' * (width - cell_len(kind))}  {_(who) if who in (ONE_PERSON, TWO_PEOPLE) else who}"
              for kind, who in rules]  # fmt: skip
    lines.append(_("Identities are compared as given (--as, else $CUSTOS_REVIEWER, else the OS user)."))
    return "\n".join(lines)


def approval_summary(policy: ActionPolicy) -> str:
    """The rules in one or two lines, for the approvals screen."""
    rules = approval_rules(policy)
    two = [kind for kind, who in rules if who == TWO_PEOPLE]
    one = [kind for kind, who in rules if who == ONE_PERSON]
    parts = [_("Second person needed: {kinds}").format(kinds=listed(two))] if two else []
    parts += [_("proposer may approve: {kinds}").format(kinds=listed(one))] if one else []
    parts += [_("{kind}: as the action it undoes").format(kind=kind) for kind, who in rules
              if who not in (ONE_PERSON, TWO_PEOPLE)]  # fmt: skip
    where = _("built-in") if policy.source == "built-in" else safe(policy.source)
    return " · ".join([*parts, _("policy: {where}").format(where=where)])
