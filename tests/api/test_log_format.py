"""The api's log lines, as its process writes them: the format CloudWatch's metric filters
read (terraform/modules/alarms; services.api.__main__.LOG_FORMAT), never the web
framework's own."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.support.platform import Platform
from tests.support.processes import wait_for

# LOG_FORMAT: "%(asctime)s %(name)s %(levelname)s %(message)s"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (\S+) (INFO|WARNING|ERROR) (.*)$")


def test_the_running_api_logs_every_line_in_its_own_format(tmp_path: Path) -> None:
    platform = Platform(tmp_path)
    try:
        platform.start("api")
        refused = httpx.post(
            f"http://127.0.0.1:{platform.api_port}/webhooks/github",
            content=b"{}",
            headers={"X-GitHub-Event": "push", "X-GitHub-Delivery": "format-check"},
            timeout=10,
        )
        assert refused.status_code == 401

        def logged() -> str | None:
            found = [
                line for line in platform.service_log("api").splitlines() if "format-check" in line
            ]
            return found[0] if found else None

        line = wait_for(logged, "the delivery logged")
    finally:
        platform.stop()
    match = LINE.match(line)
    assert match, line
    assert match.group(1) == "slipway.webhooks"
    assert match.group(3) == (
        "webhook push format-check refused (401): missing or invalid X-Hub-Signature-256"
    )
