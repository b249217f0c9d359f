"""Does this environment hold exactly what a requirement file locks?

`python -m scripts.dependencies.installed requirements/dev.txt` exits 1 and names every
package that is missing, at another version, or installed without being locked. `make
install` runs it last, and the tests run the same check, so an environment that drifted from
the lock never passes for a tested one.
"""

from __future__ import annotations

import sys
from importlib.metadata import distributions
from pathlib import Path

from packaging.markers import Marker

from scripts.dependencies.requirements import normalise, read_pins

# What `python -m venv` and the editable install put there themselves; where a lock names one
# of them (dev.txt locks setuptools) its version is still checked.
NOT_LOCKED = frozenset({"pip", "setuptools", "slipway"})


def locked_here(path: Path) -> dict[str, str]:
    """Name to version of the pins whose markers hold on this interpreter."""
    return {
        pin.name: pin.version
        for pin in read_pins(path)
        if pin.marker is None or Marker(pin.marker).evaluate()
    }


def installed_here() -> dict[str, str]:
    return {normalise(d.metadata["Name"]): d.version for d in distributions()}


def differences(locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    """One line per package that differs between the lock and the environment."""
    lines = []
    for name, version in sorted(locked.items()):
        have = installed.get(name)
        if have is None:
            lines.append(f"{name}: locked {version}, not installed")
        elif have != version:
            lines.append(f"{name}: locked {version}, installed {have}")
    for name in sorted(installed.keys() - locked.keys() - NOT_LOCKED):
        lines.append(f"{name}: installed {installed[name]}, not in the lock")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m scripts.dependencies.installed REQUIREMENTS_FILE", file=sys.stderr)
        return 2
    problems = differences(locked_here(Path(argv[0])), installed_here())
    for line in problems:
        print(f"lock: {line}", file=sys.stderr)
    if problems:
        print(
            f"lock: {sys.prefix} differs from {argv[0]}; remove it and run `make install`",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
