"""Scores of OCR + detection on drawn scans (tests/ocr_fixtures.py), shared by the tests and bench/ocr*.py.

Resident ID recall and precision count the detector's CN_RESIDENT_ID findings against the number drawn;
names recall counts the drawn name among the detector's PERSON findings (on ID-card fronts); classification
accuracy compares the document kind found with the kind drawn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.detect.normalize import compact
from scanner.states import DocumentKind
from tests.ocr_fixtures import BANK_CARD, ID_BACK, ID_FRONT, Truth

RESIDENT_ID, PERSON = "CN_RESIDENT_ID", "PERSON"


@dataclass
class Tally:
    """Counts over a fixture set; the properties are the targets' measures."""

    ids_drawn: int = 0
    ids_found: int = 0
    id_findings: int = 0
    id_findings_right: int = 0
    names_drawn: int = 0
    names_found: int = 0
    names_in_text: int = 0
    cards: int = 0
    cards_right: int = 0
    bank_cards: int = 0
    bank_cards_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, label: str, truth: Truth, text: str, findings: list[tuple[str, str]], kind: str | None) -> None:
        """One image: its truth, the OCR text, the detector's (entity type, value) pairs, the kind found."""
        ids = {compact(value).upper() for entity, value in findings if entity == RESIDENT_ID}
        self.id_findings += len(ids)
        self.id_findings_right += int(truth.resident_id in ids)
        if truth.resident_id:
            self.ids_drawn += 1
            self.ids_found += int(truth.resident_id in ids)
            if truth.resident_id not in ids:
                self.misses.append(f"{label}: id")
        if truth.name and truth.kind == ID_FRONT:
            names = {value for entity, value in findings if entity == PERSON}
            self.names_drawn += 1
            self.names_found += int(truth.name in names)
            self.names_in_text += int(truth.name in text)
            if truth.name not in names:
                self.misses.append(f"{label}: name")
        id_card = truth.kind if truth.kind in (ID_FRONT, ID_BACK) else None
        self.cards += 1
        self.cards_right += int((kind if kind in (ID_FRONT, ID_BACK) else None) == id_card)
        if truth.kind == BANK_CARD or kind == BANK_CARD:
            self.bank_cards += 1
            self.bank_cards_right += int(kind == truth.kind)
        if kind != (truth.kind if truth.kind in tuple(DocumentKind) else None):
            self.misses.append(f"{label}: kind {kind}")

    @property
    def id_recall(self) -> float:
        return self.ids_found / self.ids_drawn if self.ids_drawn else 1.0

    @property
    def id_precision(self) -> float:
        return self.id_findings_right / self.id_findings if self.id_findings else 1.0

    @property
    def name_recall(self) -> float:
        return self.names_found / self.names_drawn if self.names_drawn else 1.0

    @property
    def name_in_text(self) -> float:
        return self.names_in_text / self.names_drawn if self.names_drawn else 1.0

    @property
    def kind_accuracy(self) -> float:
        return self.cards_right / self.cards if self.cards else 1.0

    def summary(self) -> str:
        return (
            f"resident ID recall {self.id_recall:.3f} ({self.ids_found}/{self.ids_drawn}), precision"
            f" {self.id_precision:.3f} ({self.id_findings_right}/{self.id_findings}); names recall"
            f" {self.name_recall:.3f} ({self.names_found}/{self.names_drawn}, in text {self.name_in_text:.3f});"
            f" ID-card classification accuracy {self.kind_accuracy:.3f} ({self.cards_right}/{self.cards});"
            f" bank cards {self.bank_cards_right}/{self.bank_cards}"
        )
