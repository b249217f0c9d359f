"""A stand-in for `docker`: records argv (and whether a password came on stdin) and succeeds.

There is no Docker engine on the test machines; this checks the commands a release runs.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    stdin = sys.stdin.read() if "--password-stdin" in argv else ""
    with open(os.environ["FAKE_DOCKER_LOG"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"argv": argv, "stdin": stdin}) + "\n")
    print("Login Succeeded" if argv[:1] == ["login"] else "pushed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
