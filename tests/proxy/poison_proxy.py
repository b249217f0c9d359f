"""`python -m tests.proxy.poison_proxy COUNT_FILE`: the real proxy server, whose every worker
dies while loading its app, with a quick restart policy; each attempt adds a line to COUNT_FILE.
"""

from __future__ import annotations

import functools
import os
import sys

from services.core.restarts import RestartPolicy
from services.core.settings import load_settings
from services.proxy.server import run

TRIES = 3
COUNT_FILE_ENV = "POISON_COUNT_FILE"


def poisoned_app() -> None:
    with open(os.environ[COUNT_FILE_ENV], "a") as count:
        count.write("started\n")
    raise SystemExit(3)


if __name__ == "__main__":
    os.environ[COUNT_FILE_ENV] = sys.argv[1]
    run(
        load_settings("proxy"),
        app_factory="tests.proxy.poison_proxy:poisoned_app",
        restarts=functools.partial(RestartPolicy, first_delay=0.05, tries=TRIES),
    )
