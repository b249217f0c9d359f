"""Dashboard sign-in sessions and CSRF tokens, derived from the API token (no server state).

A session cookie is `<issued>.<nonce>.<signature>`, signed with an HMAC keyed by the API
token: changing the token signs everyone out. The CSRF token of a session is another HMAC
of its nonce, put in every form and checked on every state-changing request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

COOKIE = "slipway_session"
MAX_AGE = 12 * 3600


@dataclass(frozen=True)
class Session:
    issued: int
    nonce: str


def _mac(key: str, message: str) -> str:
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()


def new_session_cookie(api_token: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    nonce = secrets.token_hex(16)
    return f"{issued}.{nonce}.{_mac(api_token, f'session:{issued}:{nonce}')}"


def read_session(api_token: str, cookie: str | None, now: float | None = None) -> Session | None:
    """The session a cookie proves, or None when it is missing, forged or expired."""
    if not api_token or not cookie:
        return None
    parts = cookie.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    issued, nonce, signature = int(parts[0]), parts[1], parts[2]
    if not hmac.compare_digest(_mac(api_token, f"session:{issued}:{nonce}"), signature):
        return None
    age = (time.time() if now is None else now) - issued
    if age < 0 or age > MAX_AGE:
        return None
    return Session(issued, nonce)


def csrf_token(api_token: str, session: Session) -> str:
    return _mac(api_token, f"csrf:{session.nonce}")


def csrf_valid(api_token: str, session: Session, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(api_token, session), presented or "")
