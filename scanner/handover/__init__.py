"""The handover package: files encrypted to a buyer's X25519 key, with a manifest signed by the audit key.

`package.py` is the way in (PackageWriter, verify_package, open_package); `keys.py` makes and loads the keys.
The file format is described in `format.py` and docs/handover-package.md. The seller's workflow around a package
(propose, approve, build, record the recipient's verification) is `disclosures.py`.
"""
