"""The NLP engine never downloads: blank pipelines by default, a missing trained pipeline falls back."""

from __future__ import annotations

import socket

import pytest

from scanner.detect.nlp import OfflineSpacyNlpEngine


@pytest.fixture()
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_blank_pipelines_segment_chinese_with_jieba_and_fill_lemmas(no_network):
    engine = OfflineSpacyNlpEngine()
    engine.load()
    assert engine.choices["zh"].name == "blank:zh" and not engine.has_ner
    artifacts = engine.process_text("收件人王小明电话13800138000", "zh")
    assert "王小明" in [t.text for t in artifacts.tokens]
    assert artifacts.lemmas == [t.text.lower() for t in artifacts.tokens]


def test_a_missing_trained_pipeline_falls_back_to_blank_without_downloading(no_network, caplog):
    engine = OfflineSpacyNlpEngine({"zh": "zh_core_web_sm_not_installed"})
    engine.load()
    assert engine.choices["zh"].name == "blank:zh"
    assert "not installed" in caplog.text


def test_a_trained_pipeline_folder_is_used_when_present(tmp_path, no_network):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("ner").add_label("PERSON")
    nlp.initialize()
    nlp.to_disk(tmp_path / "tiny_en")
    engine = OfflineSpacyNlpEngine({"en": str(tmp_path / "tiny_en")})
    engine.load()
    assert engine.choices["en"].has_ner and engine.has_ner
