"""The handover package's one way in: build (PackageWriter), check (verify_package) and open (open_package).

See docs/handover-package.md for the format and what each check proves.
"""

from __future__ import annotations

from scanner.handover.format import PackageError
from scanner.handover.manifest import Manifest, MemberEntry
from scanner.handover.unpack import open_package
from scanner.handover.verify import VerifyReport, verify_package
from scanner.handover.writer import PackageWriter

__all__ = ["Manifest", "MemberEntry", "PackageError", "PackageWriter", "VerifyReport", "open_package", "verify_package"]
