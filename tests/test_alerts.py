"""Alert config, outbox, rate limit, backoff and the dispatcher, delivered to a real syslog socket."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from scanner.alerts.config import AlertsConfigError, parse_alerts
from scanner.alerts.dispatch import AlertDispatcher, backoff_s
from scanner.alerts.message import AlertMessage
from scanner.alerts.ratelimit import TokenBucket
from scanner.alerts.text import email_body, syslog_line, webhook_body
from scanner.daemon.config import ConfigError, load_config
from scanner.states import AlertChannel, OutboxState, ZoneSeverity
from scanner.store.alert_outbox import AlertOutbox
from scanner.store.store import Store
from tests.alert_fixtures import PLANTED_ID, PLANTED_NAME, SyslogSocket, violation, wait_until
from tests.engines import BOTH_ENGINES_SLOW_ON_POSTGRESQL

EMAIL = {"host": "127.0.0.1", "from": "custos@example.com", "to": ["dpo@example.com"]}


def test_a_full_alerts_table_is_read() -> None:
    config = parse_alerts({
        "min_severity": "medium", "rate_limit_per_minute": 10, "retry_max_s": 60,
        "email": {**EMAIL, "port": 2525, "username": "u", "password_env": "SMTP_PASSWORD"},
        "webhook": {"url": "https://hooks.example.com/x", "secret_env": "HOOK_KEY", "timeout_s": 2},
    })  # fmt: skip
    assert config.channels == (AlertChannel.SYSLOG, AlertChannel.EMAIL, AlertChannel.WEBHOOK)
    assert config.email.starttls and config.email.port == 2525 and config.email.password_env == "SMTP_PASSWORD"
    assert not config.wants(ZoneSeverity.LOW) and config.wants(ZoneSeverity.MEDIUM)
    assert config.wants(ZoneSeverity.CRITICAL)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"email": {**EMAIL, "password": "hunter2"}}, "alerts.email.password: secrets are never written"),
        ({"webhook": {"url": "http://x", "secret": "k"}}, "alerts.webhook.secret: secrets are never written"),
        ({"webhook": {"url": "http://x", "secret_env": "not a name!"}}, "got something else"),
        ({"webhook": {"url": "ftp://x", "secret_env": "K"}}, "alerts.webhook.url: expected an http"),
        ({"email": {**EMAIL, "username": "u"}}, "give username and password_env together"),
        ({"email": {**EMAIL, "username": "u", "password_env": "P", "starttls": False}}, "unencrypted"),
        ({"email": {**EMAIL, "to": []}}, "alerts.email.to: expected a non-empty array"),
        ({"min_severity": "urgent"}, "alerts.min_severity: expected low | medium | high | critical"),
        ({"rate_limit_per_minut": 5}, "unknown key alerts.rate_limit_per_minut (did you mean rate_limit_per_minute?)"),
    ],
)
def test_a_bad_alerts_table_is_one_line_naming_the_key(table: dict, message: str) -> None:
    with pytest.raises(AlertsConfigError) as caught:
        parse_alerts(table)
    assert message in str(caught.value)
    assert "hunter2" not in str(caught.value) and "not a name!" not in str(caught.value)


def test_the_daemon_config_reads_alerts_and_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "share").mkdir()
    good = tmp_path / "custos.toml"
    good.write_text('[[roots]]\npath = "share"\n[alerts]\nmin_severity = "high"\n', encoding="utf-8")
    assert load_config(good).alerts.min_severity == ZoneSeverity.HIGH
    bad = tmp_path / "bad.toml"
    bad.write_text('[[roots]]\npath = "share"\n[alerts.email]\nhost = "h"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: alerts.email.from: missing"):
        load_config(bad)


def test_the_outbox_keeps_one_row_per_violation_and_channel(tmp_path: Path, db_url: str) -> None:
    with Store(db_url) as store:
        outbox = AlertOutbox(store)
        channels = (AlertChannel.SYSLOG, AlertChannel.EMAIL)
        assert outbox.add(7, channels, "{}", 1.0) == 2
        assert outbox.add(7, channels, "{}", 2.0) == 0
        assert outbox.add(7, (*channels, AlertChannel.WEBHOOK), "{}", 3.0) == 1
        due = outbox.due(10.0, channels)
        assert [e.channel for e in due] == list(channels)
        assert outbox.claim(due[0], 10.0) and not outbox.claim(due[0], 10.0)  # a second deliverer loses
        outbox.retry_at(due[1].id, 20.0, "refused")
        assert outbox.due(15.0, channels) == [] and len(outbox.due(20.0, channels)) == 1
        assert outbox.counts() == {OutboxState.PENDING: 3}


def test_the_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    assert bucket.wait_s() == pytest.approx(20.0)
    now[0] = 19.0
    assert not bucket.take()
    now[0] = 20.0
    assert bucket.take() and not bucket.take()


def test_backoff_doubles_up_to_its_caps() -> None:
    assert [backoff_s(n, 3600) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_s(20, 3600) == 300 and backoff_s(20, 30) == 30


def test_alert_texts_carry_no_unmasked_value_even_when_given_one() -> None:
    leaky = violation(masked_path=f"公共/{PLANTED_NAME}-{PLANTED_ID}.txt", masked_previews=(PLANTED_ID,))
    message = AlertMessage.from_violation(leaky)
    texts = [syslog_line(message), email_body(message, Path("/var/lib/custos/custos.db")),
             webhook_body(message, 0, None).decode()]  # fmt: skip
    for text in texts:
        assert PLANTED_ID not in text and PLANTED_NAME not in text
        assert "公共盘" in text
    body = texts[1]
    assert "区域" in body and "Zone:" in body and "custos violations --db /var/lib/custos/custos.db" in body
    assert "\n" not in texts[0] and "110*" in texts[2]  # masked again: three leading digits kept


def _syslog_config(**extra: object):
    return parse_alerts({"rate_limit_per_minute": 60, **extra})


@BOTH_ENGINES_SLOW_ON_POSTGRESQL  # threads polling the outbox: about a second on PostgreSQL
def test_the_dispatcher_sends_once_per_violation_and_filters_by_severity(tmp_path: Path, db_url: str) -> None:
    sink = SyslogSocket(tmp_path / "log.sock")
    db = db_url
    config = _syslog_config(min_severity="medium")
    dispatcher = AlertDispatcher(config, db, poll_s=0.05)
    dispatcher.channels[AlertChannel.SYSLOG].address = str(sink.path)
    dispatcher.start()
    started = time.monotonic()
    dispatcher.submit(violation(1))
    dispatcher.submit(violation(1))  # the same violation again: no second alert
    dispatcher.submit(violation(2, severity=ZoneSeverity.LOW))  # below min_severity
    assert time.monotonic() - started < 0.05  # submit only enqueues
    assert wait_until(lambda: len(sink.lines()) >= 1)
    dispatcher.stop(timeout=2)
    lines = sink.lines()
    assert len(lines) == 1 and "id=1 zone=公共盘 severity=high" in lines[0]
    assert lines[0].startswith("<27>custos: zone violation: ")  # daemon facility, err priority for "high"
    with Store(db) as store:
        assert AlertOutbox(store).counts() == {OutboxState.SENT: 1}
    sink.close()


@BOTH_ENGINES_SLOW_ON_POSTGRESQL  # threads polling the outbox: about a second on PostgreSQL
def test_over_the_rate_limit_alerts_wait_in_the_outbox(tmp_path: Path, db_url: str) -> None:
    sink = SyslogSocket(tmp_path / "log.sock")
    db = db_url
    dispatcher = AlertDispatcher(_syslog_config(rate_limit_per_minute=3), db, poll_s=0.05)
    dispatcher.channels[AlertChannel.SYSLOG].address = str(sink.path)
    dispatcher.start()
    for n in range(1, 6):
        dispatcher.submit(violation(n))
    assert wait_until(lambda: len(sink.lines()) >= 3)
    time.sleep(0.3)  # the behaviour under test: nothing more goes out before the next token (20 s away)
    dispatcher.stop(timeout=1)
    assert len(sink.lines()) == 3
    with Store(db) as store:
        assert AlertOutbox(store).counts() == {OutboxState.SENT: 3, OutboxState.PENDING: 2}
    sink.close()


@BOTH_ENGINES_SLOW_ON_POSTGRESQL  # threads polling the outbox: about a second on PostgreSQL
def test_a_worker_side_dispatcher_only_fills_the_outbox_and_the_deliverer_sends(
    tmp_path: Path, db_url: str, caplog
) -> None:
    sink = SyslogSocket(tmp_path / "log.sock")
    db = db_url
    config = _syslog_config()
    recorder = AlertDispatcher(config, db, deliver=False).start()
    recorder.submit(violation(9))
    recorder.stop(timeout=2)
    assert sink.lines() == []
    with Store(db) as store:
        assert AlertOutbox(store).counts() == {OutboxState.PENDING: 1}
    caplog.set_level(logging.INFO, logger="custos.alerts")
    deliverer = AlertDispatcher(config, db, poll_s=0.05)
    deliverer.channels[AlertChannel.SYSLOG].address = str(sink.path)
    deliverer.start()
    assert wait_until(lambda: len(sink.lines()) == 1)
    deliverer.stop(timeout=1)
    sent = [r for r in caplog.records if r.getMessage() == "alert_sent"]
    assert [r.fields for r in sent] == [{"violation": 9, "channel": AlertChannel.SYSLOG, "attempt": 1}]
    sink.close()


def test_without_a_syslog_socket_the_line_goes_to_stderr(tmp_path: Path, capfd) -> None:
    dispatcher = AlertDispatcher(_syslog_config(), tmp_path / "c.db", poll_s=0.05)
    dispatcher.channels[AlertChannel.SYSLOG].address = str(tmp_path / "no-such.sock")
    dispatcher.start()
    dispatcher.submit(violation(3))
    dispatcher.stop(timeout=2)
    err = capfd.readouterr().err
    assert err.count("custos: zone violation: id=3 ") == 1 and PLANTED_ID not in err


def test_the_outbox_command_lists_waiting_and_given_up_alerts_masked(tmp_path: Path, db_url: str, capsys) -> None:
    from scanner.cli import main

    db = db_url
    leaky = AlertMessage.from_violation(violation(4, masked_path=f"公共/{PLANTED_ID}.txt"))
    with Store(db) as store:
        outbox = AlertOutbox(store)
        outbox.add(4, (AlertChannel.EMAIL, AlertChannel.WEBHOOK), leaky.to_json(), time.time())
        email, hook = outbox.entries()
        outbox.give_up(hook.id, f"HTTP 500 for {PLANTED_ID}")
    assert main(["alerts", "outbox", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "1 pending, 0 sent, 1 failed" in out and "公共盘" in out and "webhook" in out
    assert PLANTED_ID not in out
    assert main(["alerts", "outbox", "--db", str(db), "--retry"]) == 0
    assert "1 given-up alerts queued again" in capsys.readouterr().out
    with Store(db) as store:
        assert AlertOutbox(store).counts() == {OutboxState.PENDING: 2}


def test_config_check_names_the_alert_channels_and_unset_secrets(tmp_path: Path, capsys, monkeypatch) -> None:
    from scanner.cli import main

    monkeypatch.delenv("CUSTOS_TEST_UNSET_KEY", raising=False)
    (tmp_path / "share").mkdir()
    config = tmp_path / "custos.toml"
    config.write_text(
        f'[daemon]\ndatabase = "{tmp_path / "db" / "c.db"}"\n[[roots]]\npath = "share"\n'
        '[alerts]\nsyslog = false\n[alerts.webhook]\nurl = "http://127.0.0.1:9/x"\n'
        'secret_env = "CUSTOS_TEST_UNSET_KEY"\n',
        encoding="utf-8",
    )
    assert main(["config", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "alerts: webhook; min severity low, 30/min per channel" in out
    assert "note: alerts.webhook.secret_env: CUSTOS_TEST_UNSET_KEY is not set here" in out
