"""The Chinese labels of the categories a subject holds, as the notification list and its notice name them."""

from __future__ import annotations

from collections.abc import Iterable

from scanner.states import SubjectCategory

CATEGORY_LABELS = {
    SubjectCategory.IDENTITY: "身份信息",
    SubjectCategory.CONTACT: "联系方式",
    SubjectCategory.FINANCIAL: "金融账户信息",
    SubjectCategory.BIOMETRIC: "生物识别信息",
    SubjectCategory.HEALTH: "医疗健康信息",
    SubjectCategory.MINOR: "不满十四周岁未成年人的个人信息",
}
_ORDER = {category: position for position, category in enumerate(CATEGORY_LABELS)}


def category_labels(categories: Iterable[str]) -> tuple[str, ...]:
    """The labels in a fixed order (an unknown category is shown as it is, after the known ones)."""
    ordered = sorted(set(categories), key=lambda c: (_ORDER.get(c, len(_ORDER)), c))
    return tuple(CATEGORY_LABELS.get(category, category) for category in ordered)
