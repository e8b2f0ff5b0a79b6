"""Which document a picture shows, from the text read off it: a resident ID card's front or back, or a bank
card. The printed labels decide, not the numbers, so a card whose number is smudged is still recognised.

Labels are matched on the text without spaces, and a label counts when all but one of its characters are read
in order (OCR drops or misreads a character of a small label often enough to matter).
"""

from __future__ import annotations

import re

from scanner.states import DocumentKind

_FRONT_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
_BACK_LABELS = ("中华人民共和国", "居民身份证", "签发机关", "有效期限")
_CARD_MARKS = ("银联", "UNIONPAY", "借记卡", "信用卡", "储蓄卡", "VISA", "MASTERCARD", "VALIDTHRU", "有效期")
_BANK = re.compile(r"银行|BANK")
_CARD_DIGITS = re.compile(r"(?<!\d)(?:\d[ \-]?){15,18}\d(?!\d)")
_CARD_GROUPS = re.compile(r"(?<!\d)\d{4}(?: [\d*?]{4}){2,}")  # a card number in fours, some digits unread


def document_kind(text: str) -> DocumentKind | None:
    """The kind of document `text` (one picture's OCR text) was read from, or None for anything else."""
    flat = re.sub(r"\s+", "", text).upper()
    front = sum(_has_label(flat, label) for label in _FRONT_LABELS)
    back = sum(_has_label(flat, label) for label in _BACK_LABELS)
    if front >= 3 and front > back:
        return DocumentKind.RESIDENT_ID_FRONT
    if back >= 2 and ("签发机关" in flat or "有效期限" in flat or back >= 3):
        return DocumentKind.RESIDENT_ID_BACK
    marks = sum(mark in flat for mark in _CARD_MARKS)
    number = _CARD_DIGITS.search(text) or _CARD_GROUPS.search(text)
    if marks and (_BANK.search(flat) or marks >= 2) and (marks >= 2 or number):
        return DocumentKind.BANK_CARD
    return None


def _has_label(flat: str, label: str) -> bool:
    if label in flat:
        return True
    if len(label) < 4:
        return False
    # all but one character, in order, within a window a little longer than the label
    pattern = "|".join(
        ".{0,2}".join(re.escape(c) for i, c in enumerate(label) if i != skip) for skip in range(len(label))
    )
    return re.search(pattern, flat) is not None
