"""The Node version a project asks for (`engines.node`, `.nvmrc`, `.node-version`), checked.

Understands the range forms people write: `20`, `20.x`, `>=18`, `^20.1`, `~20.1.0`,
`>=18 <21`, `18 || 20`, `node`, and the LTS names nvm reads: `lts/*` (an even-numbered
major, Node's long-term-support lines) and `lts/<codename>` (`lts/jod` is 22).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from build_runner.confined import Refused, Root
from build_runner.errors import BuildFailure
from services.core.build_protocol import EXIT_INSTALL

Version = tuple[int, int, int]
_NUM = r"(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?"
_COMPARATOR_RE = re.compile(rf"^(>=|<=|>|<|=|\^|~)?\s*v?{_NUM}$")


MAX_VERSION_FILE_BYTES = 4096  # only the first line is read
# The project's own setting, under the name Netlify reads (a build variable).
NODE_VERSION_VARIABLE = "NODE_VERSION"
LTS_CODENAMES = {"hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}


class UnknownRange(ValueError):
    pass


def parse_version(text: str) -> Version:
    match = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", text.strip())
    if not match:
        raise ValueError(f"not a version: {text!r}")
    return int(match[1]), int(match[2]), int(match[3])


def _comparator_ok(comparator: str, version: Version) -> bool:
    match = _COMPARATOR_RE.match(comparator)
    if not match:
        raise UnknownRange(comparator)
    op = match[1] or "="
    parts = [match[2], match[3], match[4]]
    given = [int(p) for p in parts if p is not None and p not in ("x", "*")]
    precision = len(given)
    padded = [*given, 0, 0, 0]
    low: Version = (padded[0], padded[1], padded[2])
    if op == "=":
        return version[:precision] == tuple(given)
    if op == "^":
        return version >= low and version[0] == low[0]
    if op == "~":
        keep = 2 if precision >= 2 else 1
        return version >= low and version[:keep] == low[:keep]
    prefix = version[:precision]
    checks = {
        ">=": prefix >= tuple(given),
        ">": prefix > tuple(given),
        "<=": prefix <= tuple(given),
        "<": prefix < tuple(given),
    }
    return checks[op]


def satisfies(version: Version, spec: str) -> bool:
    """True when `version` meets `spec`; raises UnknownRange for forms we do not read."""
    spec = spec.strip()
    if spec in ("", "*", "x", "node", "latest", "current"):
        return True
    if spec.startswith("lts/"):
        name = spec.removeprefix("lts/").lower()
        if name == "*":
            return version[0] % 2 == 0
        if name not in LTS_CODENAMES:
            raise UnknownRange(spec)
        return version[0] == LTS_CODENAMES[name]
    for alternative in spec.split("||"):
        text = re.sub(r"(>=|<=|>|<|=|\^|~)\s+", r"\1", alternative.strip())
        if " - " in text:
            low, high = (s.strip() for s in text.split(" - ", 1))
            comparators = [f">={low}", f"<={high}"]
        else:
            comparators = text.split()
        if comparators and all(_comparator_ok(c, version) for c in comparators):
            return True
    return False


def newest_satisfying(versions: list[Version], spec: str) -> Version | None:
    return max((v for v in versions if satisfies(v, spec)), default=None)


def node_setting(project_env: Mapping[str, str]) -> tuple[str, str] | None:
    """The project's `NODE_VERSION` variable: it wins over the repository's files, as on Netlify."""
    setting = project_env.get(NODE_VERSION_VARIABLE, "").strip()
    return (setting, f"the {NODE_VERSION_VARIABLE} variable") if setting else None


def requested_node(
    project_dir: Path, pkg: dict[str, Any] | None, within: Path | None = None
) -> tuple[str, str] | None:
    """(range, where it came from), or None when the repository does not say.

    Version files are read with links followed only inside `within` (the checkout): one
    that leads out fails the build, so no host file's first line reaches the log.
    """
    for filename in (".nvmrc", ".node-version"):
        try:
            with Root(within or project_dir, "repository") as repo:
                data = repo.read(filename, MAX_VERSION_FILE_BYTES, repo.parts_of(project_dir))
        except Refused as exc:
            raise BuildFailure(EXIT_INSTALL, f"{filename}: {exc}") from None
        if data is None:
            continue
        text = data[:MAX_VERSION_FILE_BYTES].decode(errors="replace").strip().splitlines()
        if text and text[0].strip():
            return text[0].strip(), filename
    engines = pkg.get("engines") if pkg else None
    if isinstance(engines, dict) and isinstance(engines.get("node"), str):
        return engines["node"], "package.json engines.node"
    return None
