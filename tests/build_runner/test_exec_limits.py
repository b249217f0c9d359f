"""A build whose command could not be executed (Linux's argument and environment limits)
fails naming the variable, instead of "Argument list too long" on every command."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.exec_limits import MAX_STRING_BYTES, CannotStart, check_fits, exec_budget
from services.core.build_protocol import EXIT_BUILD
from services.core.build_variables import MAX_TOTAL_BYTES
from tests.build_runner.support import build_log, has_manifest, run_runner
from tests.support.gitrepo import GitRepo
from tests.support.variables import variables_of_total


def test_variables_the_api_allows_always_fit() -> None:
    check_fits(["sh", "-c", "npm run build"], variables_of_total(MAX_TOTAL_BYTES))
    assert exec_budget() > MAX_TOTAL_BYTES * 8


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        pytest.param(
            ["sh"],
            {"BIG": "x" * (MAX_STRING_BYTES - 4)},
            "the variable BIG takes 131073 bytes",
            id="one-string",
        ),
        pytest.param(["x" * MAX_STRING_BYTES], {}, "the argument 'xxxxxxxx", id="one-argument"),
        pytest.param(
            ["sh"],
            {"A": "x" * 60_000, "B": "y" * 70_000},
            "past the 100000 a build command may carry (the largest variable is B)",
            id="together",
        ),
    ],
)
def test_what_one_execve_cannot_carry_is_refused(
    argv: list[str], env: dict[str, str], message: str
) -> None:
    with pytest.raises(CannotStart, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_fits(argv, env, budget=100_000)


@pytest.mark.slow
def test_a_variable_from_netlify_toml_too_large_to_pass_fails_the_build_naming_it(
    tmp_path: Path, local_storage_url: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    big = "x" * (MAX_STRING_BYTES + 1)
    toml = (
        "[build]\ncommand = 'mkdir -p out && echo hi > out/index.html'\npublish = 'out'\n"
        f'[build.environment]\nHUGE = "{big}"\n'
    )
    commit = repo.commit({"netlify.toml": toml})
    result = run_runner(repo_url=repo.url, commit=commit, storage_url=local_storage_url)
    assert result.code == EXIT_BUILD, result.stdout
    assert not has_manifest(local_storage_url, result.deployment_id)
    log = build_log(local_storage_url, result.deployment_id) or ""
    assert "build command cannot start: the variable HUGE takes 131079 bytes" in log
    assert "Argument list too long" not in log
