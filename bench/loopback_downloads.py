"""What keeps a benchmark build's downloads on loopback: the project's build variables.

- npm packages from a loopback registry serving the tarballs the starter's own install
  fetched (tests/support/npm_registry.py), set with `npm_config_registry`: npm rewrites the
  lockfile's registry.npmjs.org addresses to it.
- Python wheels from a find-links page (tests/support/wheel_index.py), with no index.
- Anything else that honours the usual proxy variables (npm, pip, most HTTP clients) is
  sent to a closed loopback port, so it fails at once instead of leaving the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from scripts.starters import Starter
from tests.support.npm_registry import CLOSED_REGISTRY, npm_registry
from tests.support.wheel_index import wheel_index

NO_WAY_OUT = {
    "HTTPS_PROXY": CLOSED_REGISTRY,
    "HTTP_PROXY": CLOSED_REGISTRY,
    "NO_PROXY": "127.0.0.1,localhost",
}


@dataclass
class Downloads:
    variables: dict[str, str]  # the project's build variables
    requests: list[str]  # every path the loopback server was asked for, in order

    def package_requests(self) -> int:
        return sum(path.endswith((".tgz", ".whl")) for path in self.requests)


@contextmanager
def loopback_downloads(starter: Starter) -> Iterator[Downloads]:
    if starter.python_tool:
        requests: list[str] = []
        with wheel_index(starter.wheels, requests) as url:
            # pip caches downloads over HTTPS (PyPI's) and from trusted hosts only.
            host = urlsplit(url).netloc
            index = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": url, "PIP_TRUSTED_HOST": host}
            yield Downloads({**index, **NO_WAY_OUT}, requests)
    else:
        with npm_registry([], (starter.npm_cache,)) as registry:
            variables = {"npm_config_registry": registry.url + "/", **NO_WAY_OUT}
            yield Downloads(variables, registry.requests)
