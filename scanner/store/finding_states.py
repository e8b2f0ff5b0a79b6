"""The states a finding can be in (the vocabulary of `findings.state`), in the order people look for them."""

from __future__ import annotations

FINDING_STATES = ("active", "dismissed", "retained", "masked", "quarantined", "deleted", "superseded", "gone")
