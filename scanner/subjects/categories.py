"""Which kinds of a person's information each entity type is (the categories a subject holds), and which
types are strong enough to say two records are one person."""

from __future__ import annotations

from scanner.states import SubjectCategory

CATEGORY_OF_TYPE = {
    "PERSON": SubjectCategory.IDENTITY,
    "CN_RESIDENT_ID": SubjectCategory.IDENTITY,
    "CN_PASSPORT": SubjectCategory.IDENTITY,
    "CN_HK_MACAO_PASS": SubjectCategory.IDENTITY,
    "DATE_OF_BIRTH": SubjectCategory.IDENTITY,
    "CN_LICENSE_PLATE": SubjectCategory.IDENTITY,
    "CN_MOBILE": SubjectCategory.CONTACT,
    "CN_LANDLINE": SubjectCategory.CONTACT,
    "PHONE_NUMBER": SubjectCategory.CONTACT,
    "EMAIL_ADDRESS": SubjectCategory.CONTACT,
    "CN_ADDRESS": SubjectCategory.CONTACT,
    "LOCATION": SubjectCategory.CONTACT,
    "CN_QQ": SubjectCategory.CONTACT,
    "CN_WECHAT": SubjectCategory.CONTACT,
    "IP_ADDRESS": SubjectCategory.CONTACT,
    "CN_BANK_CARD": SubjectCategory.FINANCIAL,
    "CREDIT_CARD": SubjectCategory.FINANCIAL,
}
# A finding's flags may name a category its type does not (a rule pack flagging a health or biometric field).
CATEGORY_FLAGS = frozenset({SubjectCategory.BIOMETRIC, SubjectCategory.HEALTH})
CATEGORY_ORDER = tuple(c for c in SubjectCategory if c != SubjectCategory.MINOR)

# Identity documents: one person has one of each kind, so two different ones are two people.
DOCUMENT_TYPES = frozenset({"CN_RESIDENT_ID", "CN_PASSPORT", "CN_HK_MACAO_PASS"})
# Values that link records across files, strongest first (documents, then e-mail, then phones).
STRONG_TYPES = ("CN_RESIDENT_ID", "CN_PASSPORT", "CN_HK_MACAO_PASS", "EMAIL_ADDRESS", "CN_MOBILE", "PHONE_NUMBER",
                "CN_LANDLINE")  # fmt: skip
# A record is a person only if it holds one of these: an address, a date or an IP alone describes nobody.
PERSON_TYPES = frozenset({*STRONG_TYPES, "PERSON", "CN_BANK_CARD", "CREDIT_CARD", "CN_QQ", "CN_WECHAT"})
SENSITIVITY_RANK = {"sensitive": 2, "general": 1}
