"""Reading the locked requirement files (requirements/*.txt, exported from uv.lock).

Each file is what `uv export` writes: one `name==version[ ; marker]` line per package,
followed by its `--hash` lines. Only exact pins are accepted; anything else is a lock that
was edited by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS_DIR = REPO_ROOT / "requirements"

_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;\\]+)"
    r"\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)
_HASH = re.compile(r"--hash=(sha256:[0-9a-f]{64})")


class LockError(ValueError):
    """A requirement file that is not an exact, hashed pin list."""


@dataclass
class Pin:
    name: str  # normalised (PEP 503)
    version: str
    marker: str | None
    hashes: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path) -> list[Pin]:
    """The pins of one requirement file, each with its hashes, in file order."""
    pins: list[Pin] = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("--hash="):
            if not pins:
                raise LockError(f"{path.name}:{number}: a hash before any requirement")
            pins[-1].hashes.extend(_HASH.findall(text))
            continue
        match = _PIN.match(text)
        if match is None:
            raise LockError(f"{path.name}:{number}: not an exact pin: {text}")
        pins.append(Pin(normalise(match["name"]), match["version"], match["marker"] or None))
    for pin in pins:
        if not pin.hashes:
            raise LockError(f"{path.name}: {pin.name}=={pin.version} has no hash")
    return pins
