"""The labels of the categories a subject holds, as the notification list and its notice name them, in the
notice's language."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.i18n import CHINESE, N_
from scanner.notify.language import words
from scanner.states import SubjectCategory

CATEGORY_LABELS = {
    SubjectCategory.IDENTITY: N_("identity information"),
    SubjectCategory.CONTACT: N_("contact details"),
    SubjectCategory.FINANCIAL: N_("financial account information"),
    SubjectCategory.BIOMETRIC: N_("biometric information"),
    SubjectCategory.HEALTH: N_("medical and health information"),
    SubjectCategory.MINOR: N_("personal information of minors under fourteen"),
}
_ORDER = {category: position for position, category in enumerate(CATEGORY_LABELS)}


def category_labels(categories: Iterable[str], language: str = CHINESE) -> tuple[str, ...]:
    """The labels in ``language``, in a fixed order (an unknown category is shown as it is, after the known ones)."""
    ordered = sorted(set(categories), key=lambda c: (_ORDER.get(c, len(_ORDER)), c))
    catalog = words(language)
    return tuple(catalog.gettext(CATEGORY_LABELS[c]) if c in CATEGORY_LABELS else c for c in ordered)
