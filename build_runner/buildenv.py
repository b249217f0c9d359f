"""The environment a build command sees: its toolchain, its caches, the project's variables.

Nothing of the runner's own environment passes except the toolchain names below: no
storage URL, no cloud credentials, no api secrets. PATH loses version managers' shim
directories, whose shims would run a manager the sandbox does not have.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from build_runner.python_runtime import without_shims
from services.core.certificates import certificate_env

# And the host's certificate authorities, through `certificate_env`.
TOOLCHAIN_PASSTHROUGH = ("PATH", "COREPACK_HOME", "LANG", "LC_ALL", "TZ")
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
# Where `make build-runner-tools` prepares corepack, pnpm and yarn in a source checkout.
LOCAL_TOOLS = Path(__file__).resolve().parent.parent / ".tools"


def local_toolchain(env: dict[str, str], tools: Path = LOCAL_TOOLS) -> None:
    """Use the checkout's prepared package managers when the environment names none.

    The image sets COREPACK_HOME itself; a local api passes only PATH, and the system's
    corepack would otherwise try to download each package manager on every build.
    """
    corepack_bin = tools / "corepack" / "node_modules" / ".bin"
    home = tools / "corepack-home"
    if "COREPACK_HOME" in env or not (corepack_bin / "corepack").exists() or not home.is_dir():
        return
    env["COREPACK_HOME"] = str(home)
    env["PATH"] = f"{corepack_bin}:{env['PATH']}"


def package_cache_env(cache_dir: Path) -> dict[str, str]:
    """Point every package manager's download cache into one directory the runner saves."""
    return {
        # Lockfiles pin exact versions, so a cached package needs no freshness check.
        "npm_config_prefer_offline": "true",
        "npm_config_cache": str(cache_dir / "npm"),
        "YARN_CACHE_FOLDER": str(cache_dir / "yarn"),  # yarn classic and berry
        "YARN_GLOBAL_FOLDER": str(cache_dir / "yarn-berry"),
        "BUN_INSTALL_CACHE_DIR": str(cache_dir / "bun"),
    }


def package_manager_env(
    env: dict[str, str], manager: str | None, cache_dir: Path, project_env: Mapping[str, str]
) -> None:
    """Settings only one package manager reads, set once the project's manager is known.

    pnpm reads its store directory from `npm_config_store_dir`; npm reads every
    `npm_config_*` too and warns about the one it does not know (`Unknown env config
    "store-dir"`), so only a pnpm project gets it. The project's own value wins.
    """
    if manager == "pnpm" and "npm_config_store_dir" not in project_env:
        env["npm_config_store_dir"] = str(cache_dir / "pnpm-store")


def build_environment(
    runner_env: Mapping[str, str],
    *,
    home: Path,
    cache_dir: Path,
    project_env: Mapping[str, str],
    commit_sha: str,
    ref: str,
    deploy_context: str | None = None,
    site_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """`site_env`: where the build will be served (build_runner/site_variables.py)."""
    env = {k: runner_env[k] for k in TOOLCHAIN_PASSTHROUGH if runner_env.get(k)}
    env.update(certificate_env(runner_env))
    env["PATH"] = without_shims(env.get("PATH", "")) or DEFAULT_PATH
    local_toolchain(env)
    env.update(
        {
            "HOME": str(home),
            "CI": "1",
            "SLIPWAY": "1",
            "SLIPWAY_GIT_COMMIT_SHA": commit_sha,
            "SLIPWAY_GIT_COMMIT_REF": ref,
            # corepack must neither prompt nor rewrite the project's package.json.
            "COREPACK_ENABLE_DOWNLOAD_PROMPT": "0",
            "COREPACK_ENABLE_AUTO_PIN": "0",
            # Without a packageManager field, use the prepared release instead of asking
            # the registry for the latest one.
            "COREPACK_DEFAULT_TO_LATEST": "0",
            "npm_config_update_notifier": "false",
            "npm_config_fund": "false",
            "npm_config_audit": "false",
            "NEXT_TELEMETRY_DISABLED": "1",
            "ASTRO_TELEMETRY_DISABLED": "1",
            "GATSBY_TELEMETRY_DISABLED": "1",
        }
    )
    if deploy_context:
        # Build scripts branch on it: `CONTEXT` is the name sites moving from Netlify use.
        env["SLIPWAY_DEPLOY_CONTEXT"] = env["CONTEXT"] = deploy_context
    env.update(package_cache_env(cache_dir))
    env.update(site_env or {})
    env.update(project_env)  # the project's own variables win over our defaults
    return env


def own_tmpdir(env: dict[str, str], tmp_dir: Path) -> str | None:
    """Point TMPDIR at the build's own directory; answer a note for the log when a variable
    had set it elsewhere.

    Without it, an unsandboxed build's tools write to the host's shared /tmp, where other
    builds could read and plant files and nothing removes them. A project's TMPDIR (a build
    variable, netlify.toml's `[build.environment]`) is ignored rather than refused: a
    variable carried over from Netlify or Vercel should not fail a site that builds fine
    without it, and the log line says why the value did not apply.
    """
    asked = env.get("TMPDIR")
    env["TMPDIR"] = str(tmp_dir)
    if asked is None or asked == str(tmp_dir):
        return None
    return (
        "the TMPDIR build variable is ignored: each build gets a temporary directory of its "
        "own, removed when the build ends"
    )


def add_file_variables(
    env: dict[str, str], file_env: Mapping[str, str], project_env: Mapping[str, str]
) -> None:
    """Variables a file in the repository sets (netlify.toml's `[build.environment]`).

    Like the project's own variables they win over the runner's defaults (`CI = "false"` is
    a common one), but the project's variables win over them: they are the owner's setting.
    """
    env.update({name: value for name, value in file_env.items() if name not in project_env})
