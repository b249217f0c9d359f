"""`POST /webhooks/github`: signature first, on the raw bytes; then parse; then act once.

The signature is checked in a worker thread against the secrets of the body's repository
(`signatures.py`); parsing runs in a worker thread too, so a large body never holds up the
event loop, and a body past GitHub's 25 MB cap is refused with 413 as it arrives.

Every delivery is recorded by its `X-GitHub-Delivery` id in the same transaction as the
deployments it creates, so a redelivery (or ten concurrent copies) creates nothing twice:
the database's primary key decides, not a check-then-insert. That transaction also adds it
to the recent deliveries of the projects it speaks for; a duplicate or a refusal, which
writes no deployments, is added to them in a transaction of its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from litestar import Request, Response, post
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from services.core import hosts
from services.core.delivery_outcomes import DeliveryOutcome

from . import branch_history, delivery_records, lifecycle, signatures, webhook_projects
from .db.models import Project
from .delivery_records import Received, Result
from .errors import ApiError, BadRequest, Unauthorized
from .intake import Delivery, Handler
from .queue import enqueue
from .schemas import WebhookAnswer
from .state import AppState, StateDep
from .webhook_payloads import (
    PR_BUILD_ACTIONS,
    OtherEvent,
    PullRequest,
    Push,
    parse_body,
    read_other,
    read_pull_request,
    read_push,
)

MAX_WEBHOOK_BYTES = 25 * 1024 * 1024
SKIP_MARKERS = ("[skip ci]", "[ci skip]", "[slipway skip]", "[skip slipway]")
# One line per delivery, accepted or refused, as GitHub's delivery log shows them.
log = logging.getLogger("slipway.webhooks")


@dataclass
class Outcome:
    status_code: int
    status: str
    message: str
    # The deployment it created for each project, by project name.
    created: dict[str, str] = field(default_factory=dict)
    # Routes to delete, by the project they belong to: a host is only removed for its owner.
    removed_hosts: dict[str, list[str]] = field(default_factory=dict)
    # Projects it speaks for but builds nothing for, each with the reason.
    left_out: dict[str, str] = field(default_factory=dict)

    @property
    def deployments(self) -> list[str]:
        return list(self.created.values())

    def results(self, projects: list[Project]) -> dict[str, Result]:
        """What came of it for each project it speaks for, as their delivery lists show."""
        acted = DeliveryOutcome.QUEUED if self.status == "queued" else DeliveryOutcome.IGNORED
        results = {}
        for p in projects:
            if p.name in self.left_out:
                results[p.name] = Result(
                    DeliveryOutcome.IGNORED, self.status_code, self.left_out[p.name]
                )
            else:
                created = [self.created[p.name]] if p.name in self.created else []
                results[p.name] = Result(acted, self.status_code, self.message, created)
        return results


@post(
    "/webhooks/github",
    operation_id="githubWebhook",
    tags=["webhooks"],
    request_max_body_size=MAX_WEBHOOK_BYTES,
    summary="GitHub webhook intake (signature-checked)",
)
async def github_webhook(request: Request, app_state: StateDep) -> Response[WebhookAnswer]:  # type: ignore[type-arg]
    received = Received.of(
        request.headers.get("x-github-delivery", ""), request.headers.get("x-github-event", "")
    )
    # What the sender wrote reaches the log only as tokens it cannot forge lines with.
    event, delivery = received.event or "-", received.delivery_id or "-"
    body = await request.body()
    signed = await signatures.check_signature(
        app_state.sessions,
        app_state.webhook_secret,
        body,
        _content_type(request),
        request.headers.get("x-hub-signature-256"),
    )
    try:
        answer = await _receive(request, app_state, body, signed, received)
    except ApiError as refused:
        log.info("webhook %s %s refused (%d): %s", event, delivery, refused.status_code, refused)
        result = Result(
            DeliveryOutcome.REFUSED,
            refused.status_code,
            refused.message,
            signed=signed.secret is not None,
        )
        await _record_apart(app_state, received, signed, result)
        raise
    assert answer.content is not None
    status, message = answer.content.status, answer.content.message
    log.info("webhook %s %s %s: %s", event, delivery, status, message)
    return answer


def _content_type(request: Request) -> str:  # type: ignore[type-arg]
    return request.headers.get("content-type", "application/json")


async def _receive(
    request: Request,  # type: ignore[type-arg]
    app_state: AppState,
    body: bytes,
    signed: signatures.SignatureCheck,
    received: Received,
) -> Response[WebhookAnswer]:
    if signed.secret is None:
        raise Unauthorized("missing or invalid X-Hub-Signature-256")
    event = request.headers.get("x-github-event", "")
    delivery = request.headers.get("x-github-delivery", "")
    if not event:
        raise BadRequest("missing X-GitHub-Event header")
    if received.delivery_id is None:
        raise BadRequest("missing or invalid X-GitHub-Delivery header")
    payload = await to_thread.run_sync(parse_body, body, _content_type(request))
    # Read and bound-checked here, so bad input is refused before the intake sees it.
    read = _read_event(event, payload)
    outcome = await app_state.intake.submit(
        Delivery(delivery, event, read, signed.secret, received.at)
    )
    if outcome is None:
        answer = WebhookAnswer(
            status="duplicate", message=f"delivery {delivery} was already received"
        )
        duplicate = Result(DeliveryOutcome.DUPLICATE, 200, answer.message)
        await _record_apart(app_state, received, signed, duplicate)
        return Response(answer, status_code=200)
    for project_name, found in outcome.removed_hosts.items():
        await app_state.routes.remove_hosts(project_name, found)
    if outcome.deployments:
        app_state.dispatcher.wake()
    answer = WebhookAnswer(outcome.status, outcome.message, outcome.deployments)
    return Response(answer, status_code=outcome.status_code)


def _read_event(event: str, payload: dict[str, Any]) -> Push | PullRequest | OtherEvent:
    if event == "push":
        return read_push(payload)
    if event == "pull_request":
        return read_pull_request(payload)
    return read_other(payload)


def intake_handler(app_state: AppState) -> Handler:
    """What recording one delivery means: the records its event calls for, and its place in
    the recent deliveries of the projects it speaks for."""

    async def handle(session: AsyncSession, d: Delivery) -> Outcome:
        projects = await webhook_projects.trusting(
            session, d.payload.repository, d.secret, app_state.webhook_secret
        )
        outcome = await handle_event(app_state, session, d, projects)
        received = Received.of(d.id, d.event, d.received_at)
        await delivery_records.record(session, received, outcome.results(projects))
        return outcome

    return handle


async def handle_event(
    app_state: AppState, session: AsyncSession, d: Delivery, projects: list[Project]
) -> Outcome:
    if d.event == "ping":
        return Outcome(200, "ok", "pong")
    if isinstance(d.payload, Push):
        return await _on_push(app_state, session, d.payload, projects, d.id)
    if isinstance(d.payload, PullRequest):
        return await _on_pull_request(app_state, session, d.payload, projects, d.id)
    return Outcome(202, "ignored", f"event {d.event!r} is not used")


async def _record_apart(
    app_state: AppState, received: Received, signed: signatures.SignatureCheck, result: Result
) -> None:
    """A delivery that wrote no deployments (a duplicate, a refusal), in the recent deliveries
    of the projects it speaks for: every project using its repository when no secret signed
    it. Best effort: its answer stays what it is, even when the database fails here."""
    try:
        async with app_state.sessions() as session, session.begin():
            if signed.secret is None:
                projects = await webhook_projects.using(session, signed.repository)
            else:
                projects = await webhook_projects.trusting(
                    session, signed.repository, signed.secret, app_state.webhook_secret
                )
            results = dict.fromkeys((p.name for p in projects), result)
            await delivery_records.record(session, received, results)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("delivery %s not recorded: %s", received.delivery_id or "-", exc)


async def _on_push(
    app_state: AppState,
    session: AsyncSession,
    push: Push,
    projects: list[Project],
    delivery: str,
) -> Outcome:
    if not projects:
        return Outcome(202, "ignored", "no project uses this repository")
    if not push.is_branch and not push.is_tag:
        return Outcome(202, "ignored", f"ref {push.ref!r} is neither a branch nor a tag")
    name = push.name
    if push.deleted and push.is_tag:
        return Outcome(202, "ignored", "tag deletion")
    left_out: dict[str, str] = {}
    if push.is_tag:
        left_out = {
            p.name: "tag pushes are not built for this project"
            for p in projects
            if not p.build_tags
        }
        projects = [p for p in projects if p.build_tags]
        if not projects:
            return Outcome(202, "ignored", "tag pushes are not built for this repository")
    moved = await _advanced_by(session, projects, push, delivery)
    replay = f"a replay: {push.after[:12]} does not advance {push.ref}; nothing is built"
    left_out |= {p.name: replay for p in projects if p not in moved}
    if not moved:
        return Outcome(200, "replay", replay, left_out=left_out)
    projects = moved
    if push.deleted:
        removed = {
            p.name: [hosts.branch_host(p.name, name, app_state.settings.base_domain)]
            for p in projects
        }
        message = f"branch {name} deleted; its routes are removed"
        return Outcome(202, "ok", message, removed_hosts=removed, left_out=left_out)
    skip = any(marker in push.message.lower() for marker in SKIP_MARKERS)
    created: dict[str, str] = {}
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
        created[project.name] = d.id
    verb = "skipped" if skip else "queued"
    return Outcome(202, verb, f"{len(created)} deployment(s) {verb}", created, left_out=left_out)


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
    app_state: AppState,
    session: AsyncSession,
    pr: PullRequest,
    projects: list[Project],
    delivery: str,
) -> Outcome:
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
    left_out: dict[str, str] = {}
    if pr.from_fork:
        left_out = {
            p.name: "pull requests from forks are not built for this project"
            for p in projects
            if not p.build_fork_prs
        }
        projects = [p for p in projects if p.build_fork_prs]
        if not projects:
            return Outcome(202, "ignored", "pull requests from forks are not built")
    created = {}
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
        created[project.name] = d.id
    message = f"{len(created)} preview deployment(s) queued"
    return Outcome(202, "queued", message, created, left_out=left_out)
