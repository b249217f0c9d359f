"""Ages, durations and statuses as people read them ("3m ago", "1m05s", "failed (build)").

Shared by the CLI and the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.core.deployment_states import Status


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def human_span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s" if seconds else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    return f"{hours // 24}d"


def age(value: str | None, now: datetime | None = None) -> str:
    when = parse_time(value)
    if when is None:
        return "-"
    return human_span(((now or datetime.now(UTC)) - when).total_seconds()) + " ago"


def duration(d: Mapping[str, Any], now: datetime | None = None) -> str:
    """How long a deployment built (or has been building)."""
    started = parse_time(d.get("started_at"))
    if started is None:
        return "-"
    finished = parse_time(d.get("finished_at")) or (now or datetime.now(UTC))
    return human_span((finished - started).total_seconds())


def status_label(status: str, reason: str | None) -> str:
    """The status, with the reason when it says more ("failed (build)", not "canceled (canceled)")."""
    if reason and reason != status and status != Status.READY:
        return f"{status} ({reason})"
    return status
