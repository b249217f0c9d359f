"""Which lines of a failed command's output the failure summary shows, and when it hints."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_runner.failure_hints import install_hint
from build_runner.failure_lines import meaningful_lines
from build_runner.package_managers import PackageManager

NPM_SCRIPT_FAILURE = """
> site@1.0.0 build
> vite build

\x1b[36mvite v5.4.0 \x1b[32mbuilding for production...\x1b[39m
transforming...
\x1b[31m✗\x1b[39m Build failed in 12ms
\x1b[31merror during build:
\x1b[31m[vite]: Rollup failed to resolve import "left-pad" from "/src/main.js".\x1b[39m
    at viteWarn (file:///node_modules/vite/dist/node/chunks/dep.js:1:1)
    at onwarn (file:///node_modules/vite/dist/node/chunks/dep.js:1:1)
npm error Lifecycle script `build` failed with error:
npm error code 2
npm error path /build/src
npm error workspace site@1.0.0
npm error location /build/src
npm error command failed
npm error command sh -c vite build
"""

NPM_CI_OUT_OF_SYNC = """npm error code EUSAGE
npm error
npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.
npm error
npm error Missing: left-pad@1.3.0 from lock file
npm error
npm error Clean install a project
npm error
npm error Usage:
npm error npm ci
npm error
npm error Options:
npm error [--install-strategy <hoisted|nested|shallow|linked>] [--legacy-bundling]
npm error
npm error Run "npm help ci" for more info
npm error A complete log of this run can be found in: /home/.npm/_logs/debug-0.log
"""

PNPM_SCRIPT_FAILURE = """
> site@1.0.0 build /build/src
> astro build

12:00:01 [build] Collecting build info...
[InvalidComponentArgs] Invalid arguments passed to <Layout> component.
  Hint:
    Astro.glob() is only available in .astro files.
 ELIFECYCLE  Command failed with exit code 1.
"""

QUIET_FAILURE = """compiling 12 pages
page 12 of 12
writing sitemap
[==========] 100%
"""


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        pytest.param(
            NPM_SCRIPT_FAILURE,
            [
                "✗ Build failed in 12ms",
                "error during build:",
                '[vite]: Rollup failed to resolve import "left-pad" from "/src/main.js".',
            ],
            id="npm-run-script-trailer-and-stack-left-out",
        ),
        pytest.param(
            NPM_CI_OUT_OF_SYNC,
            [
                "npm error `npm ci` can only install packages when your package.json and "
                "package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock "
                "file with `npm install` before continuing.",
                "npm error Missing: left-pad@1.3.0 from lock file",
            ],
            id="npm-usage-left-out",
        ),
        pytest.param(
            PNPM_SCRIPT_FAILURE,
            [
                "[InvalidComponentArgs] Invalid arguments passed to <Layout> component.",
                "Hint:",
                "Astro.glob() is only available in .astro files.",
            ],
            id="pnpm-elifecycle-left-out-no-error-word-the-last-lines",
        ),
        pytest.param(
            QUIET_FAILURE,
            ["compiling 12 pages", "page 12 of 12", "writing sitemap"],
            id="no-error-words-the-last-lines",
        ),
        pytest.param("\n\n  \n", [], id="nothing-printed"),
    ],
)
def test_the_meaningful_lines_of_a_failed_command(output: str, expected: list[str]) -> None:
    assert meaningful_lines(output.splitlines()) == expected


def npm_with_lockfile() -> PackageManager:
    return PackageManager(name="npm", version=None, lockfile=Path("/src/package-lock.json"))


@pytest.mark.parametrize(
    ("pm", "output", "hinted"),
    [
        pytest.param(npm_with_lockfile(), NPM_CI_OUT_OF_SYNC, True, id="npm-ci-out-of-sync"),
        pytest.param(
            PackageManager("pnpm", None, Path("/src/pnpm-lock.yaml")),
            " ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with frozen-lockfile",
            True,
            id="pnpm-outdated",
        ),
        pytest.param(
            PackageManager("yarn", None, Path("/src/yarn.lock")),
            "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
            True,
            id="yarn-classic",
        ),
        pytest.param(
            PackageManager("yarn", None, Path("/src/yarn.lock"), berry=True),
            "➤ YN0028: │ The lockfile would have been modified by this install, which is "
            "explicitly forbidden.",
            True,
            id="yarn-berry",
        ),
        pytest.param(
            PackageManager("bun", None, Path("/src/bun.lock")),
            "error: lockfile had changes, but lockfile is frozen",
            True,
            id="bun",
        ),
        pytest.param(
            npm_with_lockfile(),
            "npm error code ETARGET\nnpm error notarget No matching version found for x@^9.",
            False,
            id="npm-missing-version",
        ),
        pytest.param(
            PackageManager("npm", None, None), NPM_CI_OUT_OF_SYNC, False, id="no-lockfile"
        ),
        pytest.param(None, NPM_CI_OUT_OF_SYNC, False, id="no-package-manager"),
    ],
)
def test_the_lockfile_hint_only_when_the_output_says_so(
    pm: PackageManager | None, output: str, hinted: bool
) -> None:
    hint = install_hint(pm, output.splitlines())
    if hinted:
        assert pm is not None
        assert pm.lockfile is not None
        assert hint == (
            f"{pm.lockfile.name} no longer matches package.json: run `{pm.name} install` "
            "and commit the updated lockfile"
        )
    else:
        assert hint is None
