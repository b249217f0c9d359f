"""Sign-outs, kept in the database so every api replica refuses a signed-out cookie."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.api.db.models import SignedOutSession

from .session import MAX_AGE, Session


async def sign_out(sessions: async_sessionmaker[AsyncSession], session: Session) -> None:
    """Refuse `session` from now on; forget sign-outs whose cookies have expired anyway."""
    expires = datetime.fromtimestamp(session.issued + MAX_AGE, UTC)
    try:
        async with sessions() as db, db.begin():
            await db.execute(delete(SignedOutSession).where(SignedOutSession.expires_at < _now()))
            if await db.get(SignedOutSession, session.nonce) is None:
                db.add(SignedOutSession(nonce=session.nonce, expires_at=expires))
    except IntegrityError:  # signed out twice at once, on two replicas: once is enough
        pass


async def is_signed_out(sessions: async_sessionmaker[AsyncSession], session: Session) -> bool:
    async with sessions() as db:
        found = await db.scalar(
            select(SignedOutSession.nonce).where(SignedOutSession.nonce == session.nonce)
        )
        return found is not None


def _now() -> datetime:
    return datetime.now(UTC)
