"""`custos handover keygen | verify | open` — the buyer's side of a handover package; no database needed.

Exit codes: 0 the package is intact (and opened); 1 the package is damaged, tampered with, not for this key or
not from this sender (the first thing wrong is named); 2 a usage or key-file problem.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scanner.display import safe

EXIT_BAD_PACKAGE = 1
EXIT_USAGE = 2


def add_handover_commands(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Register `custos handover …`; returns its sub-command set so the seller's commands can join it."""
    handover = sub.add_parser("handover", help="handover packages: make keys, verify and open a package")
    commands = handover.add_subparsers(metavar="ACTION")

    keygen = commands.add_parser("keygen", help="make the recipient's key pair (the buyer runs this)",
                                 description="Make an X25519 key pair. Send the public key to the seller; keep the "
                                 "private key (mode 0600) to open the package.")  # fmt: skip
    keygen.add_argument("--private", type=Path, required=True, metavar="PATH", help="private key file to create")
    keygen.add_argument("--public", type=Path, required=True, metavar="PATH", help="public key file to create")
    keygen.set_defaults(handler=_cmd_keygen)

    verify = commands.add_parser(
        "verify",
        help="check a package's signature, every hash and the count; name the first thing wrong",
        description="Without --key: the seal's signature by the sender, the member count, and every encrypted "
        "byte against the signed SHA-256s. With --key also every chunk's authentication tag, the signed "
        "manifest, the member names and every plaintext SHA-256 (nothing is written).",
    )
    verify.add_argument("package", type=Path)
    verify.add_argument("--sender-key", type=Path, required=True, metavar="PUB", help="the sender's audit .pub")
    verify.add_argument("--key", type=Path, metavar="PRIV", help="your private key: check the plaintext too")
    verify.add_argument(
        "--json",
        action="store_true",
        help="print the outcome as JSON: the receipt the sender records (custos handover verified)",
    )
    verify.set_defaults(handler=_cmd_verify)

    opening = commands.add_parser(
        "open",
        help="verify and decrypt a package into a folder (never overwrites, never follows links)",
    )
    opening.add_argument("package", type=Path)
    opening.add_argument("--key", type=Path, required=True, metavar="PRIV", help="your private key")
    opening.add_argument("--sender-key", type=Path, required=True, metavar="PUB", help="the sender's audit .pub")
    opening.add_argument("--to", type=Path, required=True, metavar="DIR", help="destination folder")
    opening.set_defaults(handler=_cmd_open)
    return commands


def _cmd_keygen(args: argparse.Namespace) -> int:
    from scanner.handover.keys import HandoverKeyError, fingerprint, generate_recipient_keypair

    try:
        public = generate_recipient_keypair(args.private, args.public)
    except HandoverKeyError as exc:
        return _fail(exc, EXIT_USAGE)
    print(f"custos: key pair written: private {safe(args.private)} (keep it, mode 0600), public {safe(args.public)}")
    print(f"custos: public key fingerprint {fingerprint(public)} (tell the sender, to check they use this key)")
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
        print(f"custos: package {safe(args.package)} FAILED verification: {safe(report.problem)}", file=sys.stderr)
        return EXIT_BAD_PACKAGE
    checked = "signature, count, every encrypted byte"
    if report.plaintext_checked:
        checked += ", every chunk's tag, the signed manifest, member names and every plaintext SHA-256"
    print(f"custos: package {safe(args.package)} OK: {report.count} files, {_size(report.total_bytes or 0)}, "
          f"signed by {short(report.sender_key_id or '')}")  # fmt: skip
    print(f"custos: manifest sha256 {report.manifest_sha256}; package id {report.package_id}")
    print(f"custos: checked {checked}")
    if not report.plaintext_checked:
        print("custos: pass --key to also check the decrypted content and the member names")
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
        print(f"custos: package {safe(args.package)} not opened: {safe(exc)}; nothing was written", file=sys.stderr)
        return EXIT_BAD_PACKAGE
    print(f"custos: opened {manifest.count} files ({_size(manifest.total_bytes)}) into {safe(args.to)}")
    print(f"custos: manifest sha256 {manifest.sha256}; every tag and SHA-256 checked")
    return 0


def _fail(exc: Exception, code: int) -> int:
    print(f"custos: error: {safe(exc)}", file=sys.stderr)
    return code


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count:,} bytes"
