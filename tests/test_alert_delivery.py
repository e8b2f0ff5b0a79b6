"""Alerts delivered to a real SMTP server (STARTTLS, login) and a real HTTP server checking the HMAC, both on
localhost and started here: once per violation, retried with backoff through an outage, no plaintext anywhere."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from scanner.alerts.config import parse_alerts
from scanner.alerts.dispatch import AlertDispatcher, send_test
from scanner.states import AlertChannel, OutboxState
from scanner.store.alert_outbox import AlertOutbox
from scanner.store.store import Store
from tests.alert_fixtures import (
    PLANTED_ID,
    PLANTED_NAME,
    SMTP_PASSWORD,
    SMTP_USER,
    WEBHOOK_KEY,
    SmtpServer,
    WebhookServer,
    make_certificate,
    violation,
    wait_until,
)


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path]:
    return make_certificate(tmp_path)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUSTOS_TEST_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("CUSTOS_TEST_HOOK_KEY", WEBHOOK_KEY)


def _config(smtp: SmtpServer, hook: WebhookServer, cert: Path, **extra: object):
    return parse_alerts({
        "syslog": False,
        "email": {"host": "localhost", "port": smtp.port, "starttls": True, "username": SMTP_USER,
                  "password_env": "CUSTOS_TEST_SMTP_PASSWORD", "from": "custos@example.com",
                  "to": ["dpo@example.com", "it@example.com"], "cafile": str(cert), "timeout_s": 5},
        "webhook": {"url": hook.url, "secret_env": "CUSTOS_TEST_HOOK_KEY", "timeout_s": 2},
        **extra,
    })  # fmt: skip


def _leaky_violation(n: int):
    """A violation whose "masked" fields still hold the planted values: the alerts must mask them anyway."""
    return violation(n, masked_path=f"公共/{PLANTED_NAME}_{PLANTED_ID}.txt", masked_previews=(PLANTED_ID, "张*"))


@pytest.mark.slow  # servers start and stop, backoff waits: 1.5 s
def test_one_mail_and_one_signed_post_per_violation(tmp_path: Path, tls, secrets, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="custos")
    smtp, hook = SmtpServer(*tls).start(), WebhookServer().start()
    try:
        dispatcher = AlertDispatcher(_config(smtp, hook, tls[0]), tmp_path / "c.db", poll_s=0.05).start()
        dispatcher.submit(_leaky_violation(5))
        dispatcher.submit(_leaky_violation(5))  # the same violation again
        assert wait_until(lambda: smtp.messages and hook.calls)
        dispatcher.stop(timeout=3)
    finally:
        smtp.stop()
        hook.stop()
    assert len(smtp.messages) == 1 and len(hook.calls) == 1
    mail = smtp.messages[0]
    assert smtp.logins == [SMTP_USER]  # logged in, which the server allows only after STARTTLS
    assert "区域违规 Zone violation: 公共盘" in mail["Subject"] and mail["To"] == "dpo@example.com, it@example.com"
    body = mail.get_content()
    for words in ("区域：      公共盘", "严重程度：  高", "命中数量：  2", "Zone:      公共盘", "Severity:  high",
                  "Host:      fileserver-1", "custos violations --db", "forbid_entities:CN_RESIDENT_ID"):  # fmt: skip
        assert words in body
    call = hook.calls[0]
    assert call.signature_ok and call.path == "/hooks/custos"
    document = json.loads(call.body)
    assert document["violation_id"] == 5 and document["zone"] == "公共盘"
    assert document["event"] == "custos.zone_violation"
    assert call.headers["X-Custos-Timestamp"] == str(document["sent_at"])
    everything = [mail.as_string(), body, call.body.decode(), json.dumps(call.headers), caplog.text]
    for text in everything:
        assert PLANTED_ID not in text and PLANTED_NAME not in text and SMTP_PASSWORD not in text
        assert WEBHOOK_KEY not in text


@pytest.mark.slow  # servers start and stop, backoff waits: 1.5 s
def test_an_outage_is_retried_with_backoff_and_logged(tmp_path: Path, tls, secrets, caplog) -> None:
    caplog.set_level(logging.INFO, logger="custos")
    smtp, hook = SmtpServer(*tls), WebhookServer()  # not started: both are down
    db = tmp_path / "c.db"
    dispatcher = AlertDispatcher(_config(smtp, hook, tls[0]), db, poll_s=0.05).start()
    dispatcher.submit(_leaky_violation(6))
    retries = lambda: [r for r in caplog.records if r.getMessage() == "alert_retry"]  # noqa: E731
    assert wait_until(lambda: len(retries()) >= 2)  # one per channel
    with Store(db) as store:
        pending = AlertOutbox(store).entries()
    assert {e.channel for e in pending} == {AlertChannel.EMAIL, AlertChannel.WEBHOOK}
    assert all(e.state == OutboxState.PENDING and e.attempts >= 1 and e.last_error for e in pending)
    smtp.start()
    hook.start()
    try:
        assert wait_until(lambda: smtp.messages and hook.calls, timeout=8)
        dispatcher.stop(timeout=2)
    finally:
        smtp.stop()
        hook.stop()
    first = retries()[0].fields
    assert first["attempt"] == 1 and first["retry_in_s"] == 1.0 and "refused" in first["error"].lower()
    sent = [r.fields for r in caplog.records if r.getMessage() == "alert_sent"]
    assert sorted(f["channel"] for f in sent) == [AlertChannel.EMAIL, AlertChannel.WEBHOOK]
    assert all(f["attempt"] >= 2 for f in sent)
    with Store(db) as store:
        assert AlertOutbox(store).counts() == {OutboxState.SENT: 2}
    assert PLANTED_ID not in caplog.text and PLANTED_NAME not in caplog.text


def test_a_wrong_key_or_a_missing_secret_is_a_failed_attempt(tmp_path: Path, tls, secrets, monkeypatch) -> None:
    smtp, hook = SmtpServer(*tls).start(), WebhookServer(key="another-key").start()
    monkeypatch.delenv("CUSTOS_TEST_SMTP_PASSWORD")
    try:
        results = dict(send_test(_config(smtp, hook, tls[0]), None))
    finally:
        smtp.stop()
        hook.stop()
    assert "CUSTOS_TEST_SMTP_PASSWORD" in results[AlertChannel.EMAIL] and "is not set" in results[AlertChannel.EMAIL]
    assert results[AlertChannel.WEBHOOK].endswith("HTTP 401") and not hook.calls[0].signature_ok
    assert smtp.messages == []


def test_an_untrusted_certificate_is_refused(tmp_path: Path, tls, secrets) -> None:
    smtp, hook = SmtpServer(*tls).start(), WebhookServer().start()
    (tmp_path / "other").mkdir()
    other_ca, _ = make_certificate(tmp_path / "other")  # a certificate the server does not have
    try:
        results = dict(send_test(_config(smtp, hook, other_ca), None))
    finally:
        smtp.stop()
        hook.stop()
    assert "CERTIFICATE_VERIFY_FAILED" in results[AlertChannel.EMAIL] and smtp.messages == []
    assert results[AlertChannel.WEBHOOK] is None and hook.documents()[0]["event"] == "custos.test"
