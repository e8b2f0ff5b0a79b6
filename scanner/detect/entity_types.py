"""The entity types Custos reports (shared/taxonomy.md): rule packs may name only these, and the CLI offers them."""

from __future__ import annotations

ENTITY_TYPES = frozenset(
    {
        "PERSON",
        "CN_RESIDENT_ID",
        "CN_PASSPORT",
        "CN_HK_MACAO_PASS",
        "CN_MOBILE",
        "CN_LANDLINE",
        "PHONE_NUMBER",
        "CN_BANK_CARD",
        "CREDIT_CARD",
        "EMAIL_ADDRESS",
        "CN_ADDRESS",
        "LOCATION",
        "CN_USCC",
        "CN_LICENSE_PLATE",
        "DATE_OF_BIRTH",
        "IP_ADDRESS",
        "CN_QQ",
        "CN_WECHAT",
        "CN_ID_CARD_IMAGE",
        "BANK_CARD_IMAGE",
    }
)

DOCUMENT_IMAGE_TYPES = frozenset({"CN_ID_CARD_IMAGE", "BANK_CARD_IMAGE"})
"""Pictures of a resident ID card (front or back) or a bank card: found by OCR's document classification
(scanner/ocr/document_kind.py), not by a rule pack; zones and `--type` may name them like any type."""
