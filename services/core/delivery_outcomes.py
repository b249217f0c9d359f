"""What came of a webhook delivery for one project, as the api reports it and the CLI and
dashboard show it (docs/github-webhooks.md, "Recent deliveries")."""

from __future__ import annotations

from enum import StrEnum


class DeliveryOutcome(StrEnum):
    QUEUED = "queued"  # deployments were queued for the project
    DUPLICATE = "duplicate"  # its delivery id had already been received
    # Answered, nothing queued: an event, branch or tag not built, a [skip ci] commit, a
    # replay, a ping, a branch deletion or closed pull request (whose routes go).
    IGNORED = "ignored"
    REFUSED = "refused"  # answered 4xx: a bad signature, a body or header the intake refuses
