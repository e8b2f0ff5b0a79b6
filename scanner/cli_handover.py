"""`custos handover keygen | verify | open` — the buyer's side of a handover package; no database needed.

Exit codes: 0 the package is intact (and opened); 1 the package is damaged, tampered with, not for this key or
not from this sender (the first thing wrong is named); 2 a usage or key-file problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.display import safe
from scanner.i18n import _
from scanner.i18n.numbers import format_count, format_decimal

EXIT_BAD_PACKAGE = 1
EXIT_USAGE = 2


def add_handover_commands(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Register `custos handover …`; returns its sub-command set so the seller's commands can join it."""
    handover = sub.add_parser("handover", help=_("handover packages: make keys, verify and open a package"))
    commands = handover.add_subparsers(metavar="ACTION")

    keygen = commands.add_parser("keygen", help=_("make the recipient's key pair (the buyer runs this)"),
                                 description=_("Make an X25519 key pair. Send the public key to the seller; keep "
                                               "the private key (mode 0600) to open the package."))  # fmt: skip
    keygen.add_argument("--private", type=Path, required=True, metavar="PATH", help=_("private key file to create"))
    keygen.add_argument("--public", type=Path, required=True, metavar="PATH", help=_("public key file to create"))
    keygen.set_defaults(handler=_cmd_keygen)

    verify = commands.add_parser(
        "verify",
        help=_("check a package's signature, every hash and the count; name the first thing wrong"),
        description=_(
            "Without --key: the seal's signature by the sender, the member count, and every encrypted byte against "
            "the signed SHA-256s. With --key also every chunk's authentication tag, the signed manifest, the member "
            "names and every plaintext SHA-256 (nothing is written)."
        ),
    )
    verify.add_argument("package", type=Path)
    verify.add_argument("--sender-key", type=Path, required=True, metavar="PUB", help=_("the sender's audit .pub"))
    verify.add_argument("--key", type=Path, metavar="PRIV", help=_("your private key: check the plaintext too"))
    verify.add_argument(
        "--json",
        action="store_true",
        help=_("print the outcome as JSON: the receipt the sender records (custos handover verified)"),
    )
    verify.set_defaults(handler=_cmd_verify)

    opening = commands.add_parser(
        "open",
        help=_("verify and decrypt a package into a folder (never overwrites, never follows links)"),
    )
    opening.add_argument("package", type=Path)
    opening.add_argument("--key", type=Path, required=True, metavar="PRIV", help=_("your private key"))
    opening.add_argument("--sender-key", type=Path, required=True, metavar="PUB", help=_("the sender's audit .pub"))
    opening.add_argument("--to", type=Path, required=True, metavar="DIR", help=_("destination folder"))
    opening.set_defaults(handler=_cmd_open)
    return commands


def _cmd_keygen(args: argparse.Namespace) -> int:
    from scanner.handover.keys import HandoverKeyError, fingerprint, generate_recipient_keypair

    try:
        public = generate_recipient_keypair(args.private, args.public)
    except HandoverKeyError as exc:
        return _fail(exc, EXIT_USAGE)
    print(_("custos: key pair written: private {private} (keep it, mode 0600), public {public}").format(
        private=safe(args.private), public=safe(args.public)))  # fmt: skip
    print(_("custos: public key fingerprint {fingerprint} (tell the sender, to check they use this key)").format(
        fingerprint=fingerprint(public)))  # fmt: skip
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from scanner.handover.format import short
    from scanner.handover.keys import HandoverKeyError, load_recipient_private, load_sender_public
    from scanner.handover.package import verify_package

    try:
        sender = load_sender_public(args.sender_key)
        private = load_recipient_private(args.key) if args.key else None
    except HandoverKeyError as exc:
        return _fail(exc, EXIT_USAGE)
    report = verify_package(args.package, sender, private)
    if args.json:
        return _print_receipt(report)
    if not report.ok:
        print(_("custos: package {package} FAILED verification: {problem}").format(
            package=safe(args.package), problem=safe(report.problem)), file=sys.stderr)  # fmt: skip
        return EXIT_BAD_PACKAGE
    print(_("custos: package {package} OK: {count} files, {size}, signed by {key}").format(
        package=safe(args.package), count=format_count(report.count or 0), size=_size(report.total_bytes or 0),
        key=short(report.sender_key_id or "")))  # fmt: skip
    print(_("custos: manifest sha256 {digest}; package id {package_id}").format(
        digest=report.manifest_sha256, package_id=report.package_id))  # fmt: skip
    if report.plaintext_checked:
        print(_("custos: checked signature, count, every encrypted byte, every chunk's tag, the signed manifest, "
                "member names and every plaintext SHA-256"))  # fmt: skip
    else:
        print(_("custos: checked signature, count, every encrypted byte"))
        print(_("custos: pass --key to also check the decrypted content and the member names"))
    return 0


def _print_receipt(report) -> int:
    """The verification as JSON (hashes, counts, outcome; never a name from the package): the buyer's receipt."""
    import json

    fields = ("ok", "problem", "manifest_sha256", "count", "total_bytes", "package_id", "sender_key_id",
              "plaintext_checked")  # fmt: skip
    print(json.dumps({name: getattr(report, name) for name in fields}, ensure_ascii=False, sort_keys=True))
    return 0 if report.ok else EXIT_BAD_PACKAGE


def _cmd_open(args: argparse.Namespace) -> int:
    from scanner.handover.keys import HandoverKeyError, load_recipient_private, load_sender_public
    from scanner.handover.package import PackageError, open_package

    try:
        sender = load_sender_public(args.sender_key)
        private = load_recipient_private(args.key)
    except HandoverKeyError as exc:
        return _fail(exc, EXIT_USAGE)
    try:
        manifest = open_package(args.package, private, sender, args.to)
    except PackageError as exc:
        print(_("custos: package {package} not opened: {error}; nothing was written").format(
            package=safe(args.package), error=safe(exc)), file=sys.stderr)  # fmt: skip
        return EXIT_BAD_PACKAGE
    print(_("custos: opened {count} files ({size}) into {folder}").format(
        count=format_count(manifest.count), size=_size(manifest.total_bytes), folder=safe(args.to)))  # fmt: skip
    print(_("custos: manifest sha256 {digest}; every tag and SHA-256 checked").format(digest=manifest.sha256))
    return 0


def _fail(exc: Exception, code: int) -> int:
    print(_("custos: error: {problem}").format(problem=safe(exc)), file=sys.stderr)
    return code


def _size(count: int) -> str:
    if count >= 100_000:
        return _("{size} MB").format(size=format_decimal(count / 1e6))
    return _("{count} bytes").format(count=format_count(count))
