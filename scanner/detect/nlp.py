"""Offline spaCy NLP engine for Presidio: blank pipelines by default, a trained one only if installed.

Nothing here downloads: Presidio's SpacyNlpEngine.load() would call `spacy.cli.download` for a missing model,
so `load()` is replaced. Blank pipelines have no lemmas; lemmas are filled from the token text so that any
lemma-based logic still sees words.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.tokens import Doc

from scanner.detect.segmenter import configure as configure_jieba

log = logging.getLogger(__name__)

# spaCy label → Presidio entity, for trained pipelines (OntoNotes labels in zh/en_core_web_*).
_NER_MAPPING = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}


@dataclass(frozen=True)
class PipelineChoice:
    """Which pipeline serves a language, and whether it can recognise named entities."""

    language: str
    name: str
    has_ner: bool


def build_pipeline(language: str, trained: str | None) -> tuple[spacy.Language, PipelineChoice]:
    """A trained pipeline when ``trained`` names an installed package or a folder, else a blank one."""
    if trained and (spacy.util.is_package(trained) or _is_model_dir(trained)):
        nlp = spacy.load(trained)
        return nlp, PipelineChoice(language, trained, "ner" in nlp.pipe_names)
    if trained:
        log.warning("spaCy pipeline %r is not installed; using a blank %s pipeline (rules only)", trained, language)
    if language == "zh":
        configure_jieba()
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    else:
        nlp = spacy.blank(language)
    return nlp, PipelineChoice(language, f"blank:{language}", False)


def _is_model_dir(name: str) -> bool:
    from pathlib import Path

    return Path(name).is_dir() and (Path(name) / "config.cfg").is_file()


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine with offline loading and lemma back-fill."""

    def __init__(self, trained: Mapping[str, str | None] | None = None, languages: tuple[str, ...] = ("zh", "en")):
        super().__init__(
            models=[
                {"lang_code": lang, "model_name": (trained or {}).get(lang) or f"blank:{lang}"} for lang in languages
            ],
            ner_model_configuration=NerModelConfiguration(model_to_presidio_entity_mapping=_NER_MAPPING),
        )
        self._trained = dict(trained or {})
        self._languages = languages
        self.choices: dict[str, PipelineChoice] = {}

    def load(self) -> None:
        self.nlp = {}
        for lang in self._languages:
            self.nlp[lang], self.choices[lang] = build_pipeline(lang, self._trained.get(lang))

    @property
    def has_ner(self) -> bool:
        """True when any loaded pipeline recognises named entities (a trained one)."""
        return any(c.has_ner for c in self.choices.values())

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        artifacts = super()._doc_to_nlp_artifact(doc, language)
        artifacts.lemmas = [tok.lemma_ or tok.lower_ for tok in doc]
        artifacts.keywords = artifacts.set_keywords(self, artifacts.lemmas, language)
        return artifacts

    def empty_artifacts(self, language: str) -> NlpArtifacts:
        """Artifacts for text the pipeline need not see: regex rules and window context use none."""
        vocab = self.nlp[language].vocab
        return NlpArtifacts(
            entities=[],
            tokens=Doc(vocab, words=[]),
            tokens_indices=[],
            lemmas=[],
            nlp_engine=self,
            language=language,
        )
