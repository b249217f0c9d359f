"""The one runner: argv lists (no shell), secrets redacted, failures with their output."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from scripts.deploy.errors import CommandFailed, PrerequisiteError
from scripts.deploy.runner import Command, Runner


def test_runs_argv_without_a_shell_and_feeds_stdin(tmp_path: Path) -> None:
    out = io.StringIO()
    runner = Runner(out=out)
    echo = "import sys; print('got', sys.stdin.read(), sys.argv[1])"
    command = Command((sys.executable, "-c", echo, "$HOME;*"), stdin="s3cret", cwd=tmp_path)
    assert runner.run(command) == "got s3cret $HOME;*\n"
    assert "s3cret" not in out.getvalue()  # stdin is never logged
    assert out.getvalue().startswith("$ ")


def test_failure_shows_the_tail_of_the_output_redacted() -> None:
    runner = Runner(out=io.StringIO())
    runner.add_secret("hunter2")
    script = (
        "import sys; print('line'); print('token hunter2 refused', file=sys.stderr); sys.exit(3)"
    )
    with pytest.raises(CommandFailed) as caught:
        runner.run(Command((sys.executable, "-c", script)))
    assert caught.value.message.endswith("failed with exit code 3")
    assert caught.value.details == "line\ntoken **** refused"


def test_a_missing_program_is_a_prerequisite() -> None:
    with pytest.raises(PrerequisiteError, match="no-such-tool-here is not installed"):
        Runner(out=io.StringIO()).run(Command(("no-such-tool-here", "--version")))


def test_dry_run_prints_and_runs_nothing(tmp_path: Path) -> None:
    out = io.StringIO()
    marker = tmp_path / "ran"
    command = Command((sys.executable, "-c", f"open({str(marker)!r}, 'w')"))
    assert Runner(dry_run=True, out=out).run(command) == ""
    assert not marker.exists()
    assert out.getvalue().startswith("would run: ")
    assert Runner(dry_run=True, out=out).api("ecs", "UpdateService", {"service": "api"}) is False
    assert "would call: ecs.UpdateService(service='api')" in out.getvalue()
