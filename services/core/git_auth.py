"""Giving git a token without putting it in a URL, an argv, a file or a log line.

git asks `GIT_ASKPASS` for the username and password of an https remote; our askpass
program answers from its environment, so the token lives only in the environment of the
git process and its askpass child.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

TOKEN_VARIABLE = "SLIPWAY_GIT_PASSWORD"  # noqa: S105 - the name of a variable, not a secret
_ASKPASS = f"""#!/bin/sh
case "$1" in
  Username*) echo x-access-token ;;
  *) printf '%s\\n' "${TOKEN_VARIABLE}" ;;
esac
"""


def askpass_program(directory: Path) -> Path:
    """Write the (secret-free) askpass script once into `directory` and return its path."""
    path = directory / "git-askpass.sh"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(_ASKPASS)
        path.chmod(stat.S_IRWXU)
    return path


def git_environment(token: str, directory: Path) -> dict[str, str]:
    """Environment for a git command: never prompts, and answers with `token` when asked."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    if token:
        env["GIT_ASKPASS"] = str(askpass_program(directory))
        env[TOKEN_VARIABLE] = token
    return env
