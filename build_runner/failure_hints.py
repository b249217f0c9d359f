"""What to change, said only when a failed command's output shows the cause."""

from __future__ import annotations

import re

from build_runner.package_managers import PackageManager

# Each package manager's own words for "the lockfile does not match package.json" in a
# frozen install (npm ci, pnpm/yarn/bun --frozen-lockfile, yarn berry --immutable).
LOCKFILE_OUT_OF_DATE = re.compile(
    r"can only install packages when your package\.json and \S+ (?:or \S+ )?are in sync"
    r"|ERR_PNPM_OUTDATED_LOCKFILE"
    r"|Your lockfile needs to be updated"
    r"|YN0028|The lockfile would have been modified by this install"
    r"|lockfile had changes, but lockfile is frozen"
)


def install_hint(pm: PackageManager | None, output: list[str]) -> str | None:
    """The hint for a failed install, or None when its output names no known cause."""
    if pm is None:
        return None
    if pm.other_lockfile is not None:
        return pm.other_lockfile
    if pm.lockfile is None:
        return None
    if any(LOCKFILE_OUT_OF_DATE.search(line) for line in output):
        return (
            f"{pm.lockfile.name} no longer matches package.json: run `{pm.name} install` "
            "and commit the updated lockfile"
        )
    return None
