"""What a build is told about where it will be served, under Slipway's names and the names
sites moving from Netlify and Vercel already read (canonical links, sitemaps, feeds); the
table of names is in docs/build-runner.md ("Where the build will be served").

`VERCEL` and `NETLIFY` themselves are never set: frameworks read them to build for that
host's own runtime instead of static files.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from services.core.runner_inputs import RunnerInputs


def site_variables(inputs: RunnerInputs) -> dict[str, str]:
    """The URL, context and branch variables; a URL the api did not give is left out."""
    own = inputs.deployment_url
    branch = inputs.branch_url or own
    production = inputs.production_url
    prime = production if inputs.deploy_context == "production" else branch
    named = {
        "SLIPWAY_URL": prime,
        "SLIPWAY_DEPLOYMENT_URL": own,
        "SLIPWAY_BRANCH_URL": branch,
        "SLIPWAY_PRODUCTION_URL": production,
        "URL": production,
        "DEPLOY_URL": own,
        "DEPLOY_PRIME_URL": prime,
        "VERCEL_URL": _host(own),
        "VERCEL_BRANCH_URL": _host(branch),
        "VERCEL_PROJECT_PRODUCTION_URL": _host(production),
        "BRANCH": inputs.ref,
        "VERCEL_GIT_COMMIT_REF": inputs.ref,
    }
    if inputs.deploy_context is not None:
        production_build = inputs.deploy_context == "production"
        named["VERCEL_ENV"] = "production" if production_build else "preview"
    return {name: value for name, value in named.items() if value}


def commit_variables(sha: str) -> dict[str, str]:
    """The commit actually fetched (a build of a branch learns its sha only then)."""
    return {"SLIPWAY_GIT_COMMIT_SHA": sha, "COMMIT_REF": sha, "VERCEL_GIT_COMMIT_SHA": sha}


def _host(url: str) -> str:
    """Vercel's variables hold the host (and port) without a scheme."""
    return urlsplit(url).netloc if url else ""
