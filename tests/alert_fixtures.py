"""Real receivers for alert tests, all on this machine and started by the test: an SMTP server with STARTTLS and
login (aiosmtpd, a self-signed certificate made here), an HTTP server that checks the webhook's HMAC, and a
syslog socket (a Unix datagram socket standing in for /dev/log)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanner.states import ZoneSeverity
from scanner.zones.model import ViolationAlert

SMTP_USER = "custos-alerts"
SMTP_PASSWORD = "pw-Zr8q-alerts"  # only ever in the environment (CUSTOS_TEST_SMTP_PASSWORD) and the server
WEBHOOK_KEY = "hk-5d1e-webhook-key"
PLANTED_ID = "110105199003071234"  # a resident ID "found" in a file: must appear nowhere in what alerts send
PLANTED_NAME = "张伟"


def wait_until(condition: Callable[[], object], timeout: float = 5.0, step: float = 0.02) -> bool:
    """Poll `condition` until it is true or `timeout` passes; whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1: (cert.pem, key.pem). The cert is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@dataclass
class SmtpServer:
    """aiosmtpd on 127.0.0.1 requiring STARTTLS before anything, and login before mail."""

    cert: Path
    key: Path
    port: int = field(default_factory=free_port)
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    controller: Controller | None = None

    def start(self) -> SmtpServer:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        self.controller = Controller(
            _Handler(self.messages),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=self._authenticate,
            auth_required=True,
            auth_require_tls=True,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


class _Handler:
    def __init__(self, messages: list[EmailMessage]) -> None:
        self.messages = messages

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@dataclass
class WebhookCall:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


class WebhookServer:
    """http.server in a thread: records each POST and whether its X-Custos-Signature is the HMAC of the body."""

    def __init__(self, key: str = WEBHOOK_KEY, port: int | None = None, status: int = 200) -> None:
        self.key = key.encode()
        self.port = port or free_port()
        self.status = status
        self.calls: list[WebhookCall] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/custos"

    def start(self) -> WebhookServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(outer.key, body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(self.headers.get("X-Custos-Signature", ""), expected)
                outer.calls.append(WebhookCall(self.path, dict(self.headers), body, ok))
                self.send_response(outer.status if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def documents(self) -> list[dict]:
        return [json.loads(c.body) for c in self.calls]


class SyslogSocket:
    """A Unix datagram socket like /dev/log; `lines()` are the messages received (syslog priority included)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.05)
        self.received: list[str] = []

    def lines(self) -> list[str]:
        while True:
            try:
                self.received.append(self.sock.recv(65536).decode("utf-8", "replace"))
            except (TimeoutError, BlockingIOError):
                return list(self.received)

    def close(self) -> None:
        self.sock.close()


def violation(violation_id: int = 1, severity: ZoneSeverity = ZoneSeverity.HIGH, **changes: object) -> ViolationAlert:
    """A new-violation alert as zones raises it: masked path and previews."""
    values = dict(
        violation_id=violation_id,
        zone="公共盘",
        rule="forbid_entities:CN_RESIDENT_ID",
        severity=severity,
        root="/srv/share",
        masked_path="公共/名单-**.xlsx",
        masked_previews=("110105********1234", "张*"),
        count=2,
        first_seen="2025-01-02T03:04:05Z",
        host="fileserver-1",
    )
    values.update(changes)
    return ViolationAlert(**values)
