"""The api's log line for a finished deployment, read by CloudWatch as Terraform says.

terraform/modules/alarms counts the platform's build failures with metric filters on the
api's log group. Real builds fail here, the dispatcher's records are formatted as the api
formats them in its task (`services.api.__main__.LOG_FORMAT`), and each filter pattern,
as Terraform declares it, is applied with CloudWatch's rules for space-delimited events.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from services.api.__main__ import LOG_FORMAT
from services.api.app import create_app
from services.core.settings import Settings
from tests.api.conftest import TOKEN, make_settings, post_webhook, push_payload, wait_for
from tests.support.gitrepo import GitRepo, node_site
from tests.terraform.tfconfig import MODULES, load_cached

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def filter_patterns() -> dict[str, str]:
    """Each metric filter's pattern, by the reason it counts (the for_each keys)."""
    module = load_cached(MODULES / "alarms")
    reasons = module.locals["platform_failure_reasons"]
    body = module.resources[("aws_cloudwatch_log_metric_filter", "platform_build_failures")]
    assert body["for_each"] == "${toset(local.platform_failure_reasons)}"
    return {reason: body["pattern"].replace("${each.key}", reason) for reason in reasons}


def matches(pattern: str, line: str) -> bool:
    """CloudWatch's space-delimited filter: `[name, name = "value", ...]`, one term per
    word of the event, in order; a term with a value must equal its word."""
    terms = [t.strip() for t in pattern.strip().removeprefix("[").removesuffix("]").split(",")]
    words = line.split()
    if len(words) != len(terms):
        return False
    for term, word in zip(terms, words, strict=True):
        if "=" in term:
            expected = term.split("=", 1)[1].strip().strip('"')
            if word != expected:
                return False
    return True


def test_the_pattern_reader_and_matcher_agree_with_cloudwatch_examples() -> None:
    assert matches('[a, b = "x", c]', "1 x 3")
    assert not matches('[a, b = "x", c]', "1 y 3")
    assert not matches('[a, b = "x", c]', "1 x 3 4")
    assert set(filter_patterns()) == {"internal", "publish"}


async def finished_records(tmp_path: Path, break_storage: bool, repo_url: str | None) -> list[str]:
    """Run one real build to its end; the dispatcher's lines as the api's task logs them."""
    repo = GitRepo(tmp_path / "repo")
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    caught = Caught()
    caught.setFormatter(logging.Formatter(LOG_FORMAT))
    logger = logging.getLogger("slipway.dispatcher")
    logger.addHandler(caught)
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the level cache
    try:
        return await run_build(repo, settings, caught, break_storage, repo_url)
    finally:
        logger.removeHandler(caught)
        logger.setLevel(level)


class Caught(logging.Handler):
    """Each record as the api's task writes it (LOG_FORMAT)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def run_build(
    repo: GitRepo,
    settings: Settings,
    caught: Caught,
    break_storage: bool,
    repo_url: str | None,
) -> list[str]:
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        project = {"name": "site", "repo_url": repo_url or repo.url, "github_repo": "acme/site"}
        assert (await client.post("/api/projects", json=project)).status_code == 201
        if break_storage:
            # Where the build publishes is a file: storage refuses every object.
            deployments = (
                Path(settings.resolved_storage_url.removeprefix("file://")) / "deployments"
            )
            deployments.parent.mkdir(parents=True, exist_ok=True)
            deployments.write_text("not a directory")
        commit = repo.commit(node_site("hello"))
        answer = await post_webhook(client, push_payload(after=commit))
        [deployment_id] = answer.json()["deployments"]
        final = await wait_for(client, deployment_id)
    mine = [line for line in caught.lines if f" deployment {deployment_id} " in line]
    return [*mine, final["reason"]]


async def test_a_build_the_platform_failed_is_counted(tmp_path: Path) -> None:
    *lines, reason = await finished_records(tmp_path, break_storage=True, repo_url=None)
    assert reason == "publish"
    (line,) = [line for line in lines if " failed " in line]
    counted = [r for r, pattern in filter_patterns().items() if matches(pattern, line)]
    assert counted == ["publish"], line


async def test_a_projects_own_failure_is_not_counted(tmp_path: Path) -> None:
    missing = (tmp_path / "nowhere").as_uri()
    *lines, reason = await finished_records(tmp_path, break_storage=False, repo_url=missing)
    assert reason == "clone"
    (line,) = [line for line in lines if " failed " in line]
    assert not [r for r, pattern in filter_patterns().items() if matches(pattern, line)], line
    # The same line with a platform reason would be: the fields are where the filter looks.
    platform = line.replace("(clone)", "(internal)")
    assert [r for r, p in filter_patterns().items() if matches(p, platform)] == ["internal"]
