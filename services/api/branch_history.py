"""The replay rule: whether a signed push moves its branch forward or repeats the past.

A push body stays validly signed forever, so an old one re-sent under a new delivery id
would rebuild an old commit and put it back live. Each push that moved a project's branch
is kept (`before` → `after`), and a new push is judged against that history:

1. it advances if the branch has no history, or if it starts where the branch is now
   (`before` is the last recorded `after`): every genuine push, a force-push back included;
2. otherwise it is a replay if its head is a commit the branch has already been at (a
   recorded `after`) or has already moved on from (a recorded `before`): a re-sent old
   body, or a late delivery of a push older than what the branch has;
3. any other head is new work (a delivery before it may have been lost): it advances.

A deletion is judged the same way (its head is the zero sha), so a branch may come back at
an old commit, and an old deletion re-sent never removes the host of a branch that is back.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .db.models import BranchPush
from .webhook_payloads import Push


async def advances(session: AsyncSession, project: str, push: Push) -> bool:
    """Rules 1-3 above; the caller holds `lock_branch` for this project and ref."""
    history = (BranchPush.project_name == project) & (BranchPush.ref == push.ref)
    current = await session.scalar(
        select(BranchPush.after).where(history).order_by(BranchPush.id.desc()).limit(1)
    )
    if current is None or (push.before and push.before == current):
        return True
    seen = await session.scalar(
        select(BranchPush.id)
        .where(history & or_(BranchPush.after == push.after, BranchPush.before == push.after))
        .limit(1)
    )
    return seen is None


def record(session: AsyncSession, project: str, push: Push, delivery: str) -> None:
    session.add(
        BranchPush(
            project_name=project,
            ref=push.ref,
            before=push.before,
            after=push.after,
            delivery_id=delivery,
        )
    )


async def lock_branch(session: AsyncSession, project: str, ref: str) -> None:
    """Serialise judging one branch across api replicas until the transaction ends.

    PostgreSQL: an advisory lock, which nothing else takes, so it cannot deadlock with the
    dispatcher's row locks. SQLite: one writer per process already takes deliveries in turn.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{project}\0{ref}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
