"""How a scoped API token reads: `slw_<id>_<secret>`, shared by the api and the CLI."""

from __future__ import annotations

import re

TOKEN_PREFIX = "slw_"  # noqa: S105  a marker, not a secret
_TOKEN_RE = re.compile(r"^slw_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")


def token_text(token_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}{token_id}_{secret}"


def parse_token(presented: str) -> tuple[str, str] | None:
    """(id, secret) of a token's text; None for anything else."""
    match = _TOKEN_RE.match(presented)
    return (match[1], match[2]) if match else None
