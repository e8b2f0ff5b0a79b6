"""A picture recognised as an ID card or a bank card, as a finding of its own: sensitive (PIPL Art. 28:
identity documents and financial accounts), located on the picture, with no value but the kind of document.

Its fingerprint is keyed on the picture's pixels, so the same picture found again is the same finding, and
it links nobody to anybody (subjects are linked by the identifiers read off the card, not by its kind).
"""

from __future__ import annotations

from scanner.extract.base import DocumentSeen
from scanner.fingerprint import fingerprint
from scanner.states import DocumentKind
from scanner.store.store import NewFinding

PACK = "custos-ocr@1"
_RULES = {
    DocumentKind.RESIDENT_ID_FRONT: ("ocr_resident_id_card", "CN_ID_CARD_IMAGE", "居民身份证(正面)"),
    DocumentKind.RESIDENT_ID_BACK: ("ocr_resident_id_card", "CN_ID_CARD_IMAGE", "居民身份证(背面)"),
    DocumentKind.BANK_CARD: ("ocr_bank_card", "BANK_CARD_IMAGE", "银行卡"),
}


def document_finding(seen: DocumentSeen, key: bytes) -> NewFinding:
    """The finding for one recognised picture; `start`/`end` are 0: it is the whole picture, not a text span."""
    rule_id, entity_type, preview = _RULES[DocumentKind(seen.kind)]
    location = f"{seen.location} box {seen.box}" if seen.box else seen.location
    return NewFinding(
        entity_type=entity_type,
        start=0,
        end=0,
        location=location,
        score=1.0,
        rule_id=rule_id,
        pack=PACK,
        sensitivity="sensitive",
        flags=(),
        preview=preview,
        fingerprint=fingerprint(key, entity_type, seen.digest),
        context_word=None,
        record=seen.location,
    )
