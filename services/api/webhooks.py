"""`POST /webhooks/github`: signature first, on the raw bytes; then parse; then act once.

The signature is checked in a worker thread against the secrets of the body's repository
(`signatures.py`); parsing runs in a worker thread too, so a large body never holds up the
event loop, and a body past GitHub's 25 MB cap is refused with 413 as it arrives.

Every delivery is recorded by its `X-GitHub-Delivery` id in the same transaction as the
deployments it creates, so a redelivery (or ten concurrent copies) creates nothing twice:
the database's primary key decides, not a check-then-insert.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from litestar import Request, Response, post
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload

from services.core import hosts

from . import branch_history, lifecycle, signatures
from .db.models import Project
from .errors import ApiError, BadRequest, Unauthorized
from .intake import Delivery, Handler
from .queue import enqueue
from .schemas import WebhookAnswer
from .state import AppState, StateDep
from .webhook_payloads import (
    PR_BUILD_ACTIONS,
    PullRequest,
    Push,
    parse_body,
    read_pull_request,
    read_push,
)

MAX_WEBHOOK_BYTES = 25 * 1024 * 1024
SKIP_MARKERS = ("[skip ci]", "[ci skip]", "[slipway skip]", "[skip slipway]")
_DELIVERY_RE = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
# One line per delivery, accepted or refused, as GitHub's delivery log shows them.
log = logging.getLogger("slipway.webhooks")


@dataclass
class Outcome:
    status_code: int
    status: str
    message: str
    deployments: list[str] = field(default_factory=list)
    # Routes to delete, by the project they belong to: a host is only removed for its owner.
    removed_hosts: dict[str, list[str]] = field(default_factory=dict)


@post(
    "/webhooks/github",
    operation_id="githubWebhook",
    tags=["webhooks"],
    request_max_body_size=MAX_WEBHOOK_BYTES,
    summary="GitHub webhook intake (signature-checked)",
)
async def github_webhook(request: Request, app_state: StateDep) -> Response[WebhookAnswer]:  # type: ignore[type-arg]
    event = _loggable(request.headers.get("x-github-event", ""))
    delivery = _loggable(request.headers.get("x-github-delivery", ""))
    try:
        answer = await _receive(request, app_state)
    except ApiError as refused:
        log.info("webhook %s %s refused (%d): %s", event, delivery, refused.status_code, refused)
        raise
    assert answer.content is not None
    status, message = answer.content.status, answer.content.message
    log.info("webhook %s %s %s: %s", event, delivery, status, message)
    return answer


def _loggable(header: str) -> str:
    """A sender's header value as one short token of the log line."""
    return header if _DELIVERY_RE.match(header) else "-"


async def _receive(request: Request, app_state: AppState) -> Response[WebhookAnswer]:  # type: ignore[type-arg]
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json")
    accepted_secret = await signatures.signing_secret(
        app_state.sessions,
        app_state.webhook_secret,
        body,
        content_type,
        request.headers.get("x-hub-signature-256"),
    )
    if accepted_secret is None:
        raise Unauthorized("missing or invalid X-Hub-Signature-256")
    event = request.headers.get("x-github-event", "")
    delivery = request.headers.get("x-github-delivery", "")
    if not event:
        raise BadRequest("missing X-GitHub-Event header")
    if not _DELIVERY_RE.match(delivery):
        raise BadRequest("missing or invalid X-GitHub-Delivery header")
    payload = await to_thread.run_sync(parse_body, body, content_type)
    # Read and bound-checked here, so bad input is refused before the intake sees it.
    read = _read_event(event, payload)
    outcome = await app_state.intake.submit(Delivery(delivery, event, read, accepted_secret))
    if outcome is None:
        answer = WebhookAnswer(
            status="duplicate", message=f"delivery {delivery} was already received"
        )
        return Response(answer, status_code=200)
    for project_name, found in outcome.removed_hosts.items():
        await app_state.routes.remove_hosts(project_name, found)
    if outcome.deployments:
        app_state.dispatcher.wake()
    answer = WebhookAnswer(outcome.status, outcome.message, outcome.deployments)
    return Response(answer, status_code=outcome.status_code)


def _read_event(event: str, payload: dict[str, Any]) -> Push | PullRequest | None:
    if event == "push":
        return read_push(payload)
    if event == "pull_request":
        return read_pull_request(payload)
    return None


def intake_handler(app_state: AppState) -> Handler:
    """What recording one delivery means: the records its event calls for."""

    async def handle(session: AsyncSession, d: Delivery) -> Outcome:
        return await handle_event(app_state, session, d)

    return handle


async def handle_event(app_state: AppState, session: AsyncSession, d: Delivery) -> Outcome:
    if d.event == "ping":
        return Outcome(200, "ok", "pong")
    if isinstance(d.payload, Push):
        return await _on_push(app_state, session, d.payload, d.secret, d.id)
    if isinstance(d.payload, PullRequest):
        return await _on_pull_request(app_state, session, d.payload, d.secret, d.id)
    return Outcome(202, "ignored", f"event {d.event!r} is not used")


async def _projects_for(
    session: AsyncSession, repository: str | None, secret: str, global_secret: str
) -> list[Project]:
    if repository is None:
        return []
    found = await session.scalars(
        select(Project)
        .where(func.lower(Project.github_repo) == repository.lower())
        .order_by(Project.name)
        .options(raiseload(Project.domains))  # a delivery never needs them: spare the query
    )
    # A project with its own secret only trusts deliveries signed with it.
    return [
        p
        for p in found
        if (p.webhook_secret == secret) or (not p.webhook_secret and secret == global_secret)
    ]


async def _on_push(
    app_state: AppState, session: AsyncSession, push: Push, secret: str, delivery: str
) -> Outcome:
    projects = await _projects_for(session, push.repository, secret, app_state.webhook_secret)
    if not projects:
        return Outcome(202, "ignored", "no project uses this repository")
    if not push.is_branch and not push.is_tag:
        return Outcome(202, "ignored", f"ref {push.ref!r} is neither a branch nor a tag")
    name = push.name
    if push.deleted and push.is_tag:
        return Outcome(202, "ignored", "tag deletion")
    if push.is_tag:
        projects = [p for p in projects if p.build_tags]
        if not projects:
            return Outcome(202, "ignored", "tag pushes are not built for this repository")
    projects = await _advanced_by(session, projects, push, delivery)
    if not projects:
        message = f"a replay: {push.after[:12]} does not advance {push.ref}; nothing is built"
        return Outcome(200, "replay", message)
    if push.deleted:
        removed = {
            p.name: [hosts.branch_host(p.name, name, app_state.settings.base_domain)]
            for p in projects
        }
        return Outcome(
            202, "ok", f"branch {name} deleted; its routes are removed", removed_hosts=removed
        )
    skip = any(marker in push.message.lower() for marker in SKIP_MARKERS)
    created: list[str] = []
    for project in projects:
        d = await enqueue(
            session,
            app_state.settings,
            project,
            commit=push.after,
            ref=name,
            trigger="push",
            commit_message=push.message,
            delivery_id=delivery,
            enforce_cap=False,  # GitHub does not retry a refused delivery: always record it
        )
        if skip:
            lifecycle.mark_skipped(d, "the commit message asks to skip the build")
        created.append(d.id)
    verb = "skipped" if skip else "queued"
    return Outcome(202, verb, f"{len(created)} deployment(s) {verb}", created)


async def _advanced_by(
    session: AsyncSession, projects: list[Project], push: Push, delivery: str
) -> list[Project]:
    """The projects whose branch this push moves, its move recorded; replays are left out."""
    moved = []
    for project in projects:  # in name order, so replicas take the locks in one order
        await branch_history.lock_branch(session, project.name, push.ref)
        if await branch_history.advances(session, project.name, push):
            branch_history.record(session, project.name, push, delivery)
            moved.append(project)
    return moved


async def _on_pull_request(
    app_state: AppState, session: AsyncSession, pr: PullRequest, secret: str, delivery: str
) -> Outcome:
    projects = await _projects_for(session, pr.repository, secret, app_state.webhook_secret)
    if not projects:
        return Outcome(202, "ignored", "no project uses this repository")
    if pr.action == "closed":
        removed = {
            p.name: [hosts.pull_request_host(p.name, pr.number, app_state.settings.base_domain)]
            for p in projects
        }
        return Outcome(202, "ok", f"pull request #{pr.number} closed", removed_hosts=removed)
    if pr.action not in PR_BUILD_ACTIONS:
        return Outcome(202, "ignored", f"pull_request action {pr.action!r} builds nothing")
    if pr.from_fork:
        projects = [p for p in projects if p.build_fork_prs]
        if not projects:
            return Outcome(202, "ignored", "pull requests from forks are not built")
    created = []
    for project in projects:
        d = await enqueue(
            session,
            app_state.settings,
            project,
            commit=pr.commit,
            ref=pr.head_ref,
            trigger="pull_request",
            commit_message=pr.title,
            pull_request=pr.number,
            delivery_id=delivery,
            enforce_cap=False,
        )
        created.append(d.id)
    return Outcome(202, "queued", f"{len(created)} preview deployment(s) queued", created)
