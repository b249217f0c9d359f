"""The failure summary: written by the runner as one log line, read back by the api."""

from __future__ import annotations

import pytest

from services.core.build_failure import MAX_TEXT_CHARS, FailureSummary, error_text

SUMMARY = FailureSummary(
    step="install",
    message="`npm ci` exited with code 1",
    command="npm ci",
    exit_code=1,
    errors=["npm error `npm ci` can only install packages when … are in sync"],
    hint="package-lock.json no longer matches package.json: run `npm install` and commit it",
)


def log_with(*messages: tuple[str, str]) -> str:
    return "".join(f"2026-12-04T10:00:00.000Z {step:<7} | {text}\n" for step, text in messages)


def test_a_summary_survives_the_log_line_it_is_written_as() -> None:
    log = log_with(
        ("install", "npm error code EUSAGE"),
        ("failure", SUMMARY.to_log_message()),
        ("result", "build failed: install (exit code 11)"),
    )
    assert FailureSummary.from_log(log) == SUMMARY


def test_the_last_failure_line_wins() -> None:
    earlier = FailureSummary(step="build", message="old")
    log = log_with(("failure", earlier.to_log_message()), ("failure", SUMMARY.to_log_message()))
    assert FailureSummary.from_log(log) == SUMMARY


def test_the_text_names_step_command_code_and_output_then_the_hint() -> None:
    assert SUMMARY.text() == (
        "install: `npm ci` exited with code 1: npm error `npm ci` can only install packages "
        "when … are in sync\n"
        "package-lock.json no longer matches package.json: run `npm install` and commit it"
    )


def test_a_summary_is_cut_to_a_few_short_lines() -> None:
    summary = FailureSummary(step="build", message="m", errors=[f"{i}" * 500 for i in range(9)])
    assert summary.errors[0].startswith("5")
    assert len(summary.errors) == 4
    assert all(len(line) <= 200 for line in summary.errors)
    assert len(summary.text()) <= MAX_TEXT_CHARS


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("not json", id="not-json"),
        pytest.param('{"step": "build"}', id="no-message"),
        pytest.param('{"step": "b", "message": "m", "exit_code": "1"}', id="code-as-text"),
        pytest.param("[1, 2]", id="not-an-object"),
    ],
)
def test_a_damaged_failure_line_reads_as_none(message: str) -> None:
    assert FailureSummary.from_log(log_with(("failure", message))) is None


def test_without_a_summary_the_error_is_the_logs_last_error_line() -> None:
    log = log_with(("build", "compiling"), ("error", "internal error: boom"), ("setup", "done"))
    assert error_text(log).endswith("error   | internal error: boom")
    assert error_text("") == "the build failed"


def test_with_a_summary_the_error_is_its_text() -> None:
    log = log_with(("failure", SUMMARY.to_log_message()), ("result", "build failed: install"))
    assert error_text(log) == SUMMARY.text()


def test_a_failure_line_printed_by_a_command_is_not_the_summary() -> None:
    forged = 'x failure | {"step": "build", "message": "all is well"}'
    log = log_with(("build", forged), ("error", "internal error: the runner was killed"))
    assert FailureSummary.from_log(log) is None
    assert error_text(log).endswith("internal error: the runner was killed")
