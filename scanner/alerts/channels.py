"""The alert channels: syslog/journald, SMTP e-mail and an HMAC-signed webhook, each `send(alert)` or raise.

A channel raises `DeliveryError` with a message safe to log (no secret, no value from a file unmasked); the
dispatcher retries it. Secrets are read from the environment at send time, so a rotated key needs no restart.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import logging
import logging.handlers
import os
import smtplib
import socket
import ssl
import sys
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from scanner.alerts.config import AlertsConfig, EmailConfig, WebhookConfig
from scanner.alerts.message import AlertMessage
from scanner.alerts.text import email_body, email_subject, syslog_line, webhook_body
from scanner.display_mask import mask_for_display
from scanner.states import AlertChannel, ZoneSeverity

DEV_LOG = "/dev/log"
SIGNATURE_HEADER = "X-Custos-Signature"
TIMESTAMP_HEADER = "X-Custos-Timestamp"
SYSLOG_LEVELS = {ZoneSeverity.LOW: logging.INFO, ZoneSeverity.MEDIUM: logging.WARNING,
                 ZoneSeverity.HIGH: logging.ERROR, ZoneSeverity.CRITICAL: logging.CRITICAL}  # fmt: skip


class DeliveryError(RuntimeError):
    """One attempt failed; the message is masked and names no secret."""


class Channel(Protocol):
    name: AlertChannel

    def send(self, alert: AlertMessage) -> None: ...


class SyslogChannel:
    """One line per alert to syslog (journald reads /dev/log), or to stderr where there is no syslog socket."""

    name = AlertChannel.SYSLOG

    def __init__(self, address: str = DEV_LOG) -> None:
        self.address = address

    def send(self, alert: AlertMessage) -> None:
        line = syslog_line(alert)
        if not os.path.exists(self.address):
            print(line, file=sys.stderr, flush=True)
            return
        try:
            handler = _SyslogSender(address=self.address, facility=logging.handlers.SysLogHandler.LOG_DAEMON)
        except OSError as exc:
            raise DeliveryError(f"syslog socket {self.address}: {exc.strerror or exc}") from None
        try:
            level = SYSLOG_LEVELS.get(alert.severity, logging.WARNING)
            handler.emit(logging.LogRecord("custos.alerts", level, __file__, 0, line, None, None))
        finally:
            handler.close()
        if handler.failure is not None:
            raise DeliveryError(f"syslog socket {self.address}: {_masked(handler.failure)}")


class _SyslogSender(logging.handlers.SysLogHandler):
    """A SysLogHandler that keeps its send error (the stock one prints a traceback and carries on)."""

    failure: BaseException | None = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self.failure = sys.exc_info()[1]


class EmailChannel:
    """A plain-text mail over SMTP: STARTTLS (certificate and host name checked), then login if configured."""

    name = AlertChannel.EMAIL

    def __init__(self, config: EmailConfig, db: Path | None) -> None:
        self.config = config
        self.db = db

    def send(self, alert: AlertMessage) -> None:
        c = self.config
        message = EmailMessage()
        message["Subject"] = email_subject(alert)
        message["From"] = c.sender
        message["To"] = ", ".join(c.to)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=_domain(c.sender))
        message["X-Custos-Violation"] = str(alert.violation_id)
        message.set_content(email_body(alert, self.db), charset="utf-8")
        password = _secret(c.password_env, "alerts.email.password_env") if c.username else None
        try:
            with smtplib.SMTP(c.host, c.port, timeout=c.timeout_s) as smtp:
                smtp.ehlo()
                if c.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=c.cafile))
                    smtp.ehlo()
                if c.username and password is not None:
                    smtp.login(c.username, password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP {c.host}:{c.port}: login refused ({exc.smtp_code})") from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {c.host}:{c.port}: {exc.smtp_code} {_masked(exc.smtp_error)}") from None
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            raise DeliveryError(f"SMTP {c.host}:{c.port}: {_masked(exc)}") from None


class WebhookChannel:
    """A JSON POST signed with HMAC-SHA256 over the raw body, with the time it was sent."""

    name = AlertChannel.WEBHOOK

    def __init__(self, config: WebhookConfig, db: Path | None) -> None:
        self.config = config
        self.db = db

    def send(self, alert: AlertMessage) -> None:
        c = self.config
        key = _secret(c.secret_env, "alerts.webhook.secret_env").encode("utf-8")
        sent_at = int(time.time())
        body = webhook_body(alert, sent_at, self.db)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "custos-alerts",
            SIGNATURE_HEADER: "sha256=" + sign(key, body),
            TIMESTAMP_HEADER: str(sent_at),
        }
        parts = urlsplit(c.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            if parts.scheme == "https":
                context = ssl.create_default_context(cafile=c.cafile)
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    parts.hostname, parts.port, timeout=c.timeout_s, context=context
                )
            else:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=c.timeout_s)
            try:
                conn.request("POST", target, body=body, headers=headers)
                response = conn.getresponse()
                response.read(4096)
            finally:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"webhook {parts.hostname}: {_masked(exc) or type(exc).__name__}") from None
        if not 200 <= response.status < 300:  # redirects are not followed: the body would go elsewhere
            raise DeliveryError(f"webhook {parts.hostname}: HTTP {response.status}")


def sign(key: bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of the raw body, as in the X-Custos-Signature header (after "sha256=")."""
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def build_channels(config: AlertsConfig, db: Path | None, *, syslog_address: str = DEV_LOG) -> dict[str, Channel]:
    """The configured channels by name."""
    channels: dict[str, Channel] = {}
    if config.syslog:
        channels[AlertChannel.SYSLOG] = SyslogChannel(syslog_address)
    if config.email is not None:
        channels[AlertChannel.EMAIL] = EmailChannel(config.email, db)
    if config.webhook is not None:
        channels[AlertChannel.WEBHOOK] = WebhookChannel(config.webhook, db)
    return channels


def _secret(variable: str | None, key: str) -> str:
    value = os.environ.get(variable or "")
    if not value:
        raise DeliveryError(f"environment variable {variable} (named by {key}) is not set")
    return value


def _masked(exc: object) -> str:
    text = exc.decode("utf-8", "replace") if isinstance(exc, bytes) else str(exc)
    return mask_for_display(" ".join(text.split()))[:300]


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or socket.gethostname()
