"""Host labels under the base domain that the platform answers itself: no project takes them.

A project's production host is `<name>.<base domain>`, so a project named after one of these
would shadow the platform (or never be served). The release's proxy check host defaults to
`healthz` (`scripts/deploy/environment.Health.proxy_host`); the api's host is `api` in the
Terraform stack (`terraform/stacks/platform/main.tf`, `local.api_host`).
"""

from __future__ import annotations

# label → why it is the platform's, for the refusal's message ({host} is the full host)
_RESERVED = {
    "api": "{host} is the api service's own host",
    "healthz": "{host}/healthz is how a release checks the proxy through the load balancer",
}


def reserved_reason(name: str, base_domain: str) -> str | None:
    """Why `<name>.<base domain>` cannot be a project's host; None when it can."""
    reason = _RESERVED.get(name)
    return None if reason is None else reason.format(host=f"{name}.{base_domain}")
