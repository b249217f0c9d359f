"""A deployment's states, as the api reports them and the CLI and dashboard read them.

How a deployment moves between them is services/api/lifecycle.py.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    CANCELED = "canceled"


ACTIVE = frozenset({Status.QUEUED, Status.BUILDING})
FINAL = frozenset({Status.READY, Status.FAILED, Status.CANCELED})
