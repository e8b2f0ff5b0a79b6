"""The [alerts] table of custos.toml: which channels zone-violation alerts go to, and how often.

Secrets are never in the file: the SMTP password and the webhook's HMAC key are read from the environment
variables the file names (`password_env`, `secret_env`), when an alert is sent. A `password` or `secret` key is
refused with a message saying so. Errors are `AlertsConfigError` with the key path, e.g.
``alerts.email.port: expected an integer 1..65535, got "25a"``; the daemon's config loader adds the file name.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scanner.i18n import N_, _
from scanner.states import AlertChannel, ZoneSeverity

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\Z")
_REQUIRED = object()
_SECRETS = {"password": "password_env", "secret": "secret_env", "token": "secret_env", "key": "secret_env"}


class AlertsConfigError(ValueError):
    """A bad [alerts] value; the message starts with the key (``alerts.webhook.url: ...``)."""


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    starttls: bool
    username: str | None
    password_env: str | None  # the name of the environment variable holding the password
    sender: str  # `from` in the file
    to: tuple[str, ...]
    cafile: str | None  # a CA bundle to trust for STARTTLS (a company CA); None: the system's
    timeout_s: float


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret_env: str  # the name of the environment variable holding the HMAC-SHA256 key
    timeout_s: float
    cafile: str | None


@dataclass(frozen=True)
class AlertsConfig:
    syslog: bool
    email: EmailConfig | None
    webhook: WebhookConfig | None
    min_severity: ZoneSeverity
    rate_limit_per_minute: int  # per channel; alerts over it wait in the outbox
    retry_max_s: float  # how long a failing alert is retried (backoff doubling from 1 s) before it is given up

    @property
    def channels(self) -> tuple[AlertChannel, ...]:
        """The channels configured, in delivery order."""
        wanted = {AlertChannel.SYSLOG: self.syslog, AlertChannel.EMAIL: self.email, AlertChannel.WEBHOOK: self.webhook}
        return tuple(channel for channel, on in wanted.items() if on)

    def wants(self, severity: str) -> bool:
        """Whether an alert of this severity is sent (at or above `min_severity`)."""
        order = list(ZoneSeverity)
        try:
            return order.index(ZoneSeverity(severity)) >= order.index(self.min_severity)
        except ValueError:
            return True  # an unknown severity is alerted rather than silently dropped


_Check = tuple[Callable[[Any], bool], str]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _positive(v: Any) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v) and v > 0


_TEXT: _Check = (lambda v: isinstance(v, str) and v.strip() != "", N_("a non-empty string"))
_BOOL: _Check = (lambda v: isinstance(v, bool), N_("true or false"))
_ENV: _Check = (lambda v: isinstance(v, str) and bool(_ENV_NAME.match(v)), N_("the NAME of an environment variable"))
_SECONDS: _Check = (_positive, N_("a number of seconds > 0"))

_TOP: dict[str, tuple[Any, _Check]] = {
    AlertChannel.SYSLOG: (True, _BOOL),
    AlertChannel.EMAIL: (None, (lambda v: isinstance(v, dict), N_("a table ([alerts.email])"))),
    AlertChannel.WEBHOOK: (None, (lambda v: isinstance(v, dict), N_("a table ([alerts.webhook])"))),
    "min_severity": (
        ZoneSeverity.LOW,
        (lambda v: isinstance(v, str) and v in set(ZoneSeverity), " | ".join(ZoneSeverity)),
    ),
    "rate_limit_per_minute": (30, (lambda v: _is_int(v) and 1 <= v <= 10_000, N_("an integer 1..10000"))),
    "retry_max_s": (3600.0, _SECONDS),
}
_EMAIL: dict[str, tuple[Any, _Check]] = {
    "host": (_REQUIRED, _TEXT),
    "port": (587, (lambda v: _is_int(v) and 1 <= v <= 65535, N_("an integer 1..65535"))),
    "starttls": (True, _BOOL),
    "username": (None, _TEXT),
    "password_env": (None, _ENV),
    "from": (_REQUIRED, (lambda v: isinstance(v, str) and bool(_ADDRESS.match(v)), N_("an e-mail address"))),
    "to": (
        _REQUIRED,
        (
            lambda v: isinstance(v, list) and v != [] and all(isinstance(a, str) and _ADDRESS.match(a) for a in v),
            N_("a non-empty array of e-mail addresses"),
        ),
    ),
    "cafile": (None, _TEXT),
    "timeout_s": (10.0, _SECONDS),
}
_WEBHOOK: dict[str, tuple[Any, _Check]] = {
    "url": (_REQUIRED, (lambda v: isinstance(v, str) and _http_url(v), N_("an http:// or https:// URL"))),
    "secret_env": (_REQUIRED, _ENV),
    "timeout_s": (5.0, _SECONDS),
    "cafile": (None, _TEXT),
}


def parse_alerts(data: Any) -> AlertsConfig:
    """The [alerts] table (a dict from TOML) as a validated record."""
    if not isinstance(data, dict):
        raise AlertsConfigError(_("alerts: expected a table ([alerts]), got {value}").format(value=_show(data)))
    top = _table(data, "alerts.", _TOP)
    email = None if top[AlertChannel.EMAIL] is None else _email(top[AlertChannel.EMAIL])
    webhook = None if top[AlertChannel.WEBHOOK] is None else _webhook(top[AlertChannel.WEBHOOK])
    return AlertsConfig(
        syslog=top[AlertChannel.SYSLOG],
        email=email,
        webhook=webhook,
        min_severity=ZoneSeverity(top["min_severity"]),
        rate_limit_per_minute=top["rate_limit_per_minute"],
        retry_max_s=float(top["retry_max_s"]),
    )


def _email(data: dict[str, Any]) -> EmailConfig:
    v = _table(data, "alerts.email.", _EMAIL)
    if (v["username"] is None) != (v["password_env"] is None):
        raise AlertsConfigError(_("alerts.email: give username and password_env together (or neither)"))
    if v["username"] is not None and not v["starttls"]:
        raise AlertsConfigError(_("alerts.email.starttls: false would send the password unencrypted; set it to true"))
    return EmailConfig(
        host=v["host"],
        port=v["port"],
        starttls=v["starttls"],
        username=v["username"],
        password_env=v["password_env"],
        sender=v["from"],
        to=tuple(v["to"]),
        cafile=v["cafile"],
        timeout_s=float(v["timeout_s"]),
    )


def _webhook(data: dict[str, Any]) -> WebhookConfig:
    v = _table(data, "alerts.webhook.", _WEBHOOK)
    return WebhookConfig(url=v["url"], secret_env=v["secret_env"], timeout_s=float(v["timeout_s"]), cafile=v["cafile"])


def _table(data: Mapping[str, Any], where: str, spec: Mapping[str, tuple[Any, _Check]]) -> dict[str, Any]:
    known = [str(k) for k in spec]
    for key in data:
        if key in _SECRETS and key not in known:
            raise AlertsConfigError(
                _(
                    "{key}: secrets are never written in the config file; put it in an environment variable "
                    "and give that variable's name as {variable_key}"
                ).format(key=where + key, variable_key=_SECRETS[key])
            )
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = (
                _("did you mean {name}?").format(name=close[0])
                if close
                else _("known keys: {keys}").format(keys=", ".join(known))
            )
            raise AlertsConfigError(_("unknown key {key} ({hint})").format(key=where + key, hint=hint))
    values = {}
    for key, (default, (ok, expected)) in spec.items():
        value = data.get(str(key), default)
        if value is _REQUIRED:
            raise AlertsConfigError(_("{key}: missing").format(key=f"{where}{key}"))
        if value is not None and not ok(value):
            shown = _("something else") if str(key).endswith("_env") else _show(value)  # it may be the secret itself
            raise AlertsConfigError(
                _("{key}: expected {expected}, got {value}").format(
                    key=f"{where}{key}", expected=_(expected), value=shown
                )
            )
        values[key] = value
    return values


def _http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _show(value: Any) -> str:
    if isinstance(value, bool | str):
        return json.dumps(value, ensure_ascii=False)
    shown = {list: N_("an array"), dict: N_("a table")}.get(type(value))
    return _(shown) if shown else str(value)
