"""The corpus of project shapes, each built by the runner exactly as the image starts it."""

from __future__ import annotations

import gzip
import os
import re
import secrets
import signal
import subprocess
from pathlib import Path

import brotli
import pytest

from services.core.build_failure import FailureSummary
from services.core.build_protocol import (
    EXIT_BUILD,
    EXIT_CLONE,
    EXIT_INSTALL,
    EXIT_INTERNAL,
    EXIT_OUTPUT,
    EXIT_PUBLISH,
    EXIT_SKIPPED,
    EXIT_TIMEOUT,
)
from services.core.hosts import new_deployment_id
from tests.build_runner import corpus
from tests.build_runner.support import (
    RunResult,
    build_log,
    has_manifest,
    image_entrypoint,
    prepared_release,
    published,
    run_runner,
    runner_env,
)
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


def build(repo: GitRepo, commit: str, storage_url: str, **extra: str) -> RunResult:
    return run_runner(repo_url=repo.url, commit=commit, storage_url=storage_url, extra=extra)


def assert_site(storage_url: str, deployment_id: str, root: str = "") -> dict[str, bytes]:
    _, files, log = published(storage_url, deployment_id)
    assert files[f"{root}index.html"] == b"<h1>home</h1>"
    assert files[f"{root}about/index.html"] == b"<h1>about</h1>"
    assert "summary | published" in log
    return files


def test_plain_static_site(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.static_site(repo), local_storage_url)
    assert result.code == 0, result.stdout
    manifest, files, log = published(local_storage_url, result.deployment_id)
    assert set(files) == {"index.html", "about/index.html", "style.css", "assets/x.txt"}
    assert "no package.json: nothing to install" in log
    assert "skipped .env: an .env file is never published" in log
    css = manifest.files["style.css"]
    assert css.type == "text/css; charset=utf-8"
    assert css.size == len(corpus.BIG_CSS)
    assert set(css.encodings) == {"br", "gzip"}


def test_npm_with_lockfile(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.npm_site(repo), local_storage_url)
    assert result.code == 0, result.stdout
    assert "$ npm install" in result.stdout
    assert "package manager: npm (lockfile package-lock.json)" in result.stdout
    # pnpm's store setting is pnpm's alone: npm warns about settings it does not know.
    assert "Unknown env config" not in result.stdout
    assert_site(local_storage_url, result.deployment_id)


def test_pnpm_through_corepack(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.pnpm_site(repo), local_storage_url)
    assert result.code == 0, result.stdout
    assert "$ corepack pnpm install --frozen-lockfile" in result.stdout
    assert_site(local_storage_url, result.deployment_id)


def test_pnpm_keeps_its_store_in_the_build_cache(repo: GitRepo, local_storage_url: str) -> None:
    commit = repo.commit(
        {
            "package.json": corpus.package_json(
                packageManager=prepared_release("pnpm", major="9."),
                scripts={"build": "pnpm store path && " + corpus.build_script("dist", corpus.SITE)},
            ),
            "pnpm-lock.yaml": corpus.PNPM_LOCK,
            "write-site.js": corpus.WRITE_SITE_JS,
        }
    )
    result = build(repo, commit, local_storage_url)
    assert result.code == 0, result.stdout
    assert re.search(r"build   \| /\S+/cache/pnpm-store/v\d+$", result.stdout, re.MULTILINE)


@pytest.mark.parametrize(
    ("berry", "install"),
    [
        pytest.param(
            False, "corepack yarn install --non-interactive --frozen-lockfile", id="classic"
        ),
        pytest.param(True, "corepack yarn install --immutable", id="berry"),
    ],
)
def test_yarn(repo: GitRepo, local_storage_url: str, berry: bool, install: str) -> None:
    result = build(repo, corpus.yarn_site(repo, berry), local_storage_url)
    assert result.code == 0, result.stdout
    assert f"$ {install}" in result.stdout
    assert_site(local_storage_url, result.deployment_id)


def test_vite_style_build_uses_the_preset(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.vite_site(repo), local_storage_url)
    assert result.code == 0, result.stdout
    assert "framework: Vite" in result.stdout
    manifest, files, _ = published(local_storage_url, result.deployment_id)
    assert "robots.txt" not in files  # public/ is Vite's input, dist/ its output
    [asset] = [p for p in files if p.startswith("assets/index-")]
    entry = manifest.files[asset]
    assert entry.cache == "immutable"
    assert entry.type == "text/javascript; charset=utf-8"
    assert manifest.files["index.html"].cache == "html"
    assert set(entry.encodings) == {"br", "gzip"}


def test_monorepo_subdirectory(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.monorepo(repo), local_storage_url, SLIPWAY_ROOT_DIR="apps/web")
    assert result.code == 0, result.stdout
    assert "project directory: apps/web" in result.stdout
    _, files, _ = published(local_storage_url, result.deployment_id)
    assert files == {"index.html": b"from the workspace package"}


def test_spa_and_serving_files(repo: GitRepo, local_storage_url: str) -> None:
    commit = repo.commit(
        {
            "index.html": "<div id=app></div>",
            "_redirects": "/old /new 301\n/app/* /index.html 200\n",
            "_headers": "/*\n  X-Frame-Options: DENY\n",
        }
    )
    result = build(repo, commit, local_storage_url, SLIPWAY_SPA="true")
    assert result.code == 0, result.stdout
    manifest, files, _ = published(local_storage_url, result.deployment_id)
    assert set(files) == {"index.html"}
    assert manifest.config.spa
    assert "/old /new 301" in (manifest.config.redirects or "")
    assert "X-Frame-Options" in (manifest.config.headers or "")


@pytest.mark.parametrize(
    ("manager", "lockfile", "hint"),
    [
        pytest.param(
            prepared_release("pnpm", major="9."),
            ("pnpm-lock.yaml", corpus.PNPM_LOCK),
            "pnpm install",
            id="pnpm",
        ),
    ],
)
def test_failing_install(
    repo: GitRepo,
    local_storage_url: str,
    manager: str | None,
    lockfile: tuple[str, str],
    hint: str,
) -> None:
    # package.json wants a dependency the lockfile does not list: a frozen install refuses.
    fields: dict[str, object] = {"dependencies": {"left-pad": "^1.3.0"}}
    if manager:
        fields["packageManager"] = manager
    commit = repo.commit({"package.json": corpus.package_json(**fields), lockfile[0]: lockfile[1]})
    result = build(repo, commit, local_storage_url)
    assert result.code == EXIT_INSTALL, result.stdout
    assert not has_manifest(local_storage_url, result.deployment_id)
    log = build_log(local_storage_url, result.deployment_id) or ""
    assert "build failed: install (exit code 11)" in log
    summary = FailureSummary.from_log(log)
    assert summary is not None
    assert summary.step == "install"
    assert summary.command == f"corepack {hint} --frozen-lockfile"
    assert summary.exit_code not in (None, 0, EXIT_INSTALL)
    assert summary.hint == (
        f"{lockfile[0]} no longer matches package.json: run `{hint}` "
        "and commit the updated lockfile"
    )
    assert f"exited with code {summary.exit_code}" in summary.text()


def test_failed_install_for_another_cause_gets_no_lockfile_hint(
    repo: GitRepo, local_storage_url: str
) -> None:
    commit = repo.commit(
        {"package.json": corpus.package_json(), "package-lock.json": corpus.NPM_LOCK}
    )
    install = "echo downloading; echo; echo 'fatal: the mirror is down' >&2; exit 7"
    result = build(repo, commit, local_storage_url, SLIPWAY_INSTALL_COMMAND=install)
    assert result.code == EXIT_INSTALL, result.stdout
    summary = FailureSummary.from_log(build_log(local_storage_url, result.deployment_id) or "")
    assert summary == FailureSummary(
        step="install",
        message=f"`{install}` exited with code 7",
        command=install,
        exit_code=7,
        errors=["fatal: the mirror is down"],
    )
    assert "no longer matches" not in result.stdout


def test_the_failure_summary_masks_secrets(repo: GitRepo, local_storage_url: str) -> None:
    commit = corpus.npm_site(repo, build='echo "error: login refused for $DEPLOY_KEY" >&2; exit 5')
    result = build(
        repo,
        commit,
        local_storage_url,
        SLIPWAY_BUILD_ENV_NAMES="DEPLOY_KEY",
        DEPLOY_KEY="s3cr3t-deploy-key",
    )
    assert result.code == EXIT_BUILD
    log = build_log(local_storage_url, result.deployment_id) or ""
    assert "s3cr3t-deploy-key" not in log
    summary = FailureSummary.from_log(log)
    assert summary is not None
    assert summary.errors == ["error: login refused for ***"]


def test_failing_build(repo: GitRepo, local_storage_url: str) -> None:
    commit = corpus.npm_site(repo, build="node -e \"console.error('boom'); process.exit(3)\"")
    result = build(repo, commit, local_storage_url)
    assert result.code == EXIT_BUILD
    assert not has_manifest(local_storage_url, result.deployment_id)
    summary = FailureSummary.from_log(build_log(local_storage_url, result.deployment_id) or "")
    assert summary is not None
    # The project's own exit code and its own words, not npm's trailer or the runner's 12.
    assert summary.text() == "build: `npm run build` exited with code 3: boom"


def test_missing_output(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.npm_site(repo, build="node -e 0"), local_storage_url)
    assert result.code == EXIT_OUTPUT
    assert "no output found" in result.stdout


def test_file_over_the_cap(repo: GitRepo, local_storage_url: str) -> None:
    commit = repo.commit({"index.html": "ok", "big.bin": b"\0" * 5000})
    result = build(repo, commit, local_storage_url, SLIPWAY_MAX_FILE_BYTES="4096")
    assert result.code == EXIT_OUTPUT
    assert "big.bin is 5000 bytes, over the per-file cap of 4096 bytes" in result.stdout


def test_file_count_cap(repo: GitRepo, local_storage_url: str) -> None:
    commit = repo.commit({"index.html": "x", **{f"p{i}.html": "x" for i in range(5)}})
    result = build(repo, commit, local_storage_url, SLIPWAY_MAX_FILES="3")
    assert result.code == EXIT_OUTPUT
    assert "more than 3 files" in result.stdout


def test_symlink_escape_is_not_published(
    repo: GitRepo, local_storage_url: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the repository")
    repo.write({"site/index.html": "<h1>home</h1>", "site/.env.production": "TOKEN=x"})
    os.symlink(secret, repo.path / "site/leak.txt")
    os.symlink("../../..", repo.path / "site/up")
    os.symlink("index.html", repo.path / "site/home.html")  # stays inside: published
    commit = repo.commit({})
    result = build(repo, commit, local_storage_url, SLIPWAY_OUTPUT_DIR="site")
    assert result.code == 0, result.stdout
    _, files, log = published(local_storage_url, result.deployment_id)
    assert files == {"index.html": b"<h1>home</h1>", "home.html": b"<h1>home</h1>"}
    assert "skipped leak.txt: a symlink that leaves the output" in log
    assert "skipped .env.production: an .env file is never published" in log


def test_timeout(repo: GitRepo, local_storage_url: str) -> None:
    commit = repo.commit({"index.html": "x"})
    result = build(
        repo, commit, local_storage_url, SLIPWAY_BUILD_COMMAND="sleep 60", SLIPWAY_BUILD_TIMEOUT="2"
    )
    assert result.code == EXIT_TIMEOUT
    assert "exceeded its 2s time limit" in result.stdout


def test_unknown_commit_is_a_clone_failure(repo: GitRepo, local_storage_url: str) -> None:
    repo.commit({"index.html": "x"})
    result = build(repo, "0" * 40, local_storage_url)
    assert result.code == EXIT_CLONE


@pytest.mark.parametrize(
    ("hostile", "message"),
    [
        pytest.param({"SLIPWAY_COMMIT_SHA": "a" * 39}, "SLIPWAY_COMMIT_SHA must be a full commit sha", id="short-sha"),
        pytest.param({"SLIPWAY_BUILD_COMMAND": "true\nrm -rf ~"}, "SLIPWAY_BUILD_COMMAND must be one line", id="two-line-command"),
        pytest.param({"SLIPWAY_REPO_URL": "r" * 2001}, "SLIPWAY_REPO_URL is longer than 2000", id="oversize-url"),
    ],
)  # fmt: skip
def test_hostile_inputs_stop_the_runner_before_it_fetches(
    repo: GitRepo, local_storage_url: str, hostile: dict[str, str], message: str
) -> None:
    commit = repo.commit({"index.html": "x"})
    result = build(repo, commit, local_storage_url, **hostile)
    assert result.code == EXIT_INTERNAL
    assert f"build_runner: {message}" in result.stdout
    assert "fetching" not in result.stdout
    assert build_log(local_storage_url, result.deployment_id) is None


def test_node_version_that_cannot_be_met(repo: GitRepo, local_storage_url: str) -> None:
    commit = repo.commit({"package.json": corpus.package_json(), ".nvmrc": "99\n"})
    result = build(repo, commit, local_storage_url)
    assert result.code == EXIT_INSTALL
    assert "the project asks for Node '99' (.nvmrc)" in result.stdout


def test_build_variables_reach_the_build_and_are_masked(
    repo: GitRepo, local_storage_url: str
) -> None:
    script = (
        "node -e \"console.log('token is ' + process.env.SITE_TOKEN);"
        "require('fs').mkdirSync('dist');"
        "require('fs').writeFileSync('dist/index.html', String(process.env.SITE_TOKEN.length))\""
    )
    result = build(
        repo,
        corpus.npm_site(repo, build=script),
        local_storage_url,
        SITE_TOKEN="s3cr3t-value-123",
        SLIPWAY_BUILD_ENV_NAMES="SITE_TOKEN",
    )
    assert result.code == 0, result.stdout
    assert "token is ***" in result.stdout
    _, files, log = published(local_storage_url, result.deployment_id)
    assert files["index.html"] == b"16"
    assert "s3cr3t-value-123" not in log
    assert "s3cr3t-value-123" not in result.stdout


def test_publishes_to_s3(repo: GitRepo, s3_storage_url: str) -> None:
    result = build(repo, corpus.npm_site(repo), s3_storage_url)
    assert result.code == 0, result.stdout
    files = assert_site(s3_storage_url, result.deployment_id)
    assert files["style.css"].decode() == corpus.BIG_CSS


def test_variants_decode_to_the_file(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.static_site(repo), local_storage_url)
    manifest, _, _ = published(local_storage_url, result.deployment_id)
    root = Path(local_storage_url.removeprefix("file://")) / "deployments" / result.deployment_id
    css = manifest.files["style.css"]
    assert (
        brotli.decompress((root / css.encodings["br"].key).read_bytes()).decode() == corpus.BIG_CSS
    )
    assert (
        gzip.decompress((root / css.encodings["gzip"].key).read_bytes()).decode() == corpus.BIG_CSS
    )


def test_log_is_timestamped_with_step_durations(repo: GitRepo, local_storage_url: str) -> None:
    result = build(repo, corpus.npm_site(repo), local_storage_url)
    _, _, log = published(local_storage_url, result.deployment_id)
    for step in ("fetch", "install", "build", "publish"):
        assert f"{step} done in " in log
    first = log.splitlines()[0]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \w+ +\| ", first), first


def _processes_with(token: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if token in cmdline.read_bytes().decode(errors="replace"):
                found.append(cmdline.parent.name)
        except OSError:
            continue
    return found


def test_sigterm_stops_the_build_and_its_commands(repo: GitRepo, local_storage_url: str) -> None:
    token = f"61.{secrets.randbelow(10**6):06d}"  # a sleep no other process (or test run) runs
    commit = repo.commit({"index.html": "x"})
    deployment_id = new_deployment_id()
    env = runner_env(
        repo_url=repo.url,
        commit=commit,
        storage_url=local_storage_url,
        deployment_id=deployment_id,
        extra={"SLIPWAY_BUILD_COMMAND": f"sleep {token}"},
    )
    with subprocess.Popen(
        image_entrypoint(), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:  # bounded: the runner prints a few lines before the command
            if f"$ sh -c sleep {token}" in line:
                break
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 128 + signal.SIGTERM
    assert not has_manifest(local_storage_url, deployment_id)
    text = build_log(local_storage_url, deployment_id) or ""
    assert "result  | build stopped (SIGTERM): nothing was published" in text
    assert "build stopped in " in text  # the step that was running says so too
    assert "failed" not in text
    assert "error |" not in text
    assert _processes_with(token) == []


def test_package_cache_is_saved_and_restored_between_builds(
    repo: GitRepo, local_storage_url: str
) -> None:
    # Stands in for a package download: the build leaves a file in the npm cache it was given,
    # and reports whether an earlier build's file was there.
    script = (
        "node -e \"const fs=require('fs'),p=require('path'),c=process.env.npm_config_cache;"
        "const seen=fs.existsSync(p.join(c,'downloaded'));"
        "fs.mkdirSync(c,{recursive:true});fs.writeFileSync(p.join(c,'downloaded'),'pkg');"
        "fs.mkdirSync('dist');fs.writeFileSync('dist/index.html',seen?'warm':'cold')\""
    )
    commit = corpus.npm_site(repo, build=script)
    first = build(repo, commit, local_storage_url)
    second = build(repo, commit, local_storage_url)
    assert first.code == second.code == 0, first.stdout + second.stdout
    assert "no build cache yet for this project" in first.stdout
    assert "saved the build cache" in first.stdout
    assert "restored the build cache" in second.stdout
    assert published(local_storage_url, first.deployment_id)[1]["index.html"] == b"cold"
    assert published(local_storage_url, second.deployment_id)[1]["index.html"] == b"warm"


def test_branch_tip_when_no_commit_is_given(repo: GitRepo, local_storage_url: str) -> None:
    repo.commit({"index.html": "old"})
    tip = repo.commit({"index.html": "<h1>tip</h1>"})
    result = build(repo, "", local_storage_url)
    assert result.code == 0, result.stdout
    assert f"checked out {tip}" in result.stdout
    assert published(local_storage_url, result.deployment_id)[1]["index.html"] == b"<h1>tip</h1>"


@pytest.mark.parametrize(
    ("command", "code"),
    [
        pytest.param("test -f docs-only.txt", EXIT_SKIPPED, id="skip"),
        pytest.param("test -f nothing-here", 0, id="build"),
    ],
)
def test_ignore_command(repo: GitRepo, local_storage_url: str, command: str, code: int) -> None:
    commit = repo.commit({"index.html": "x", "docs-only.txt": ""})
    result = build(repo, commit, local_storage_url, SLIPWAY_IGNORE_COMMAND=command)
    assert result.code == code, result.stdout
    assert has_manifest(local_storage_url, result.deployment_id) is (code == 0)


def test_unreachable_storage_is_a_publish_failure(repo: GitRepo) -> None:
    commit = repo.commit({"index.html": "x"})
    unreachable = "s3://nobucket/?endpoint=http://127.0.0.1:9&region=us-east-1"
    result = build(repo, commit, unreachable, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
    assert result.code == EXIT_PUBLISH, result.stdout
    # Publishing reads nothing first: the first file's write is what finds storage unreachable.
    assert "upload failed: could not write deployments/" in result.stdout


def test_a_framework_set_up_as_a_server_is_told_what_to_change(
    repo: GitRepo, local_storage_url: str
) -> None:
    pkg = corpus.package_json(
        scripts={"build": "echo 'a server app, no static files'"},
        devDependencies={"@sveltejs/kit": "^2", "@sveltejs/adapter-auto": "^6"},
    )
    commit = repo.commit({"package.json": pkg})
    result = build(repo, commit, local_storage_url, SLIPWAY_INSTALL_COMMAND="true")
    assert result.code == EXIT_OUTPUT, result.stdout
    summary = FailureSummary.from_log(build_log(local_storage_url, result.deployment_id) or "")
    assert summary is not None
    assert summary.hint is not None
    assert summary.hint.startswith(
        "SvelteKit writes static files only with @sveltejs/adapter-static: add it"
    )
