"""What a garbage collection run answers: what went (or would go) and why, what stayed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from services.core.storage import ObjectInfo

from .retention import Rule

Kind = Literal["deployment", "partial", "cache", "route"]


@dataclass(frozen=True)
class Deletion:
    kind: Kind
    target: str  # a storage prefix, or a host for a route
    rule: Rule
    project: str | None = None
    deployment: str | None = None
    objects: int = 0
    bytes: int = 0

    @classmethod
    def of_objects(
        cls,
        kind: Kind,
        target: str,
        rule: Rule,
        objects: Sequence[ObjectInfo],
        *,
        project: str | None,
        deployment: str | None = None,
    ) -> Deletion:
        return cls(
            kind,
            target,
            rule,
            project,
            deployment,
            objects=len(objects),
            bytes=sum(o.size for o in objects),
        )


@dataclass(frozen=True)
class Kept:
    """Something a rule would drop, and why it stays."""

    target: str
    reason: str
    project: str | None = None
    deployment: str | None = None


@dataclass
class Report:
    dry_run: bool
    deletions: list[Deletion] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)
