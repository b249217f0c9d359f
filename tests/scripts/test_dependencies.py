"""The lock: uv.lock is the one resolution, requirements/ its exports, and what is installed is it.

`make lock-check` asks uv itself; these tests check the same agreement without uv or the
network, and that pip refuses a lock edited by hand.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from scripts.dependencies.installed import differences, installed_here, locked_here
from scripts.dependencies.lock import EXPORTS, TOOLS
from scripts.dependencies.requirements import (
    REPO_ROOT,
    REQUIREMENTS_DIR,
    LockError,
    normalise,
    read_pins,
)

UV_LOCK = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def locked_files() -> dict[tuple[str, str], set[str]]:
    """(name, version) to every file hash uv.lock records for that release."""
    files: dict[tuple[str, str], set[str]] = {}
    for package in UV_LOCK["package"]:
        if "version" not in package:
            continue
        artefacts = [
            *package.get("wheels", []),
            *([package["sdist"]] if "sdist" in package else []),
        ]
        files[(package["name"], package["version"])] = {a["hash"] for a in artefacts}
    return files


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_requirement_file_is_an_export_of_uv_lock(name: str) -> None:
    files = locked_files()
    pins = read_pins(REQUIREMENTS_DIR / name)
    assert pins
    for pin in pins:
        assert (pin.name, pin.version) in files, f"{pin.name}=={pin.version} is not in uv.lock"
        assert set(pin.hashes) <= files[(pin.name, pin.version)], pin.name


def test_uv_lock_was_resolved_from_this_pyproject() -> None:
    slipway = next(p for p in UV_LOCK["package"] if p["name"] == "slipway")
    recorded = {
        f"{r['name']}{r.get('specifier', '')}" for r in slipway["metadata"]["requires-dist"]
    }
    declared = {
        d.replace("[asyncio]", "").replace(" ", "") for d in PYPROJECT["project"]["dependencies"]
    }
    assert {normalise(r) for r in recorded} == {normalise(d) for d in declared}
    assert slipway["metadata"]["requires-dev"].keys() == PYPROJECT["dependency-groups"].keys()


def test_the_images_and_the_environment_share_one_version_of_each_package() -> None:
    versions: dict[str, set[str]] = {}
    for name in EXPORTS:
        for pin in read_pins(REQUIREMENTS_DIR / name):
            if pin.marker is None:
                versions.setdefault(pin.name, set()).add(pin.version)
    assert {n: v for n, v in versions.items() if len(v) > 1} == {}
    runner = {p.name for p in read_pins(REQUIREMENTS_DIR / "runner.txt")}
    services = {p.name for p in read_pins(REQUIREMENTS_DIR / "services.txt")}
    dev = {p.name for p in read_pins(REQUIREMENTS_DIR / "dev.txt")}
    assert runner <= services <= dev


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_locks_are_hashed_exact_pins(tool: str) -> None:
    pins = read_pins(REQUIREMENTS_DIR / f"{tool}.txt")
    wanted = (REQUIREMENTS_DIR / f"{tool}.in").read_text().split("#")[-1].split()
    top = [line.split("==") for line in wanted if "==" in line]
    for name, version in top:
        assert any(p.name == normalise(name) and p.version == version for p in pins), name


def test_this_environment_holds_exactly_the_lock() -> None:
    assert differences(locked_here(REQUIREMENTS_DIR / "dev.txt"), installed_here()) == []


@pytest.mark.parametrize(
    ("installed", "expected"),
    [
        pytest.param({"a": "1.0", "b": "2.0"}, [], id="same"),
        pytest.param(
            {"a": "1.1", "b": "2.0"}, ["a: locked 1.0, installed 1.1"], id="other-version"
        ),
        pytest.param({"b": "2.0"}, ["a: locked 1.0, not installed"], id="missing"),
        pytest.param(
            {"a": "1.0", "b": "2.0", "c": "3"}, ["c: installed 3, not in the lock"], id="extra"
        ),
        pytest.param(
            {"a": "1.0", "b": "2.0", "pip": "26", "setuptools": "65", "slipway": "0.1"},
            [],
            id="installer-and-project",
        ),
    ],
)
def test_differences(installed: dict[str, str], expected: list[str]) -> None:
    assert differences({"a": "1.0", "b": "2.0"}, installed) == expected


def test_a_locked_bootstrap_package_must_match_too() -> None:
    assert differences({"setuptools": "84.0"}, {"setuptools": "65.5"}) == [
        "setuptools: locked 84.0, installed 65.5"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            "six>=1.16 \\\n    --hash=sha256:" + "0" * 64 + "\n", "not an exact pin", id="range"
        ),
        pytest.param("six==1.17.0\n", "has no hash", id="no-hash"),
        pytest.param("    --hash=sha256:" + "0" * 64 + "\n", "a hash before", id="orphan-hash"),
    ],
)
def test_a_hand_edited_lock_is_refused_when_read(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    with pytest.raises(LockError, match=message):
        read_pins(path)


def six_pin() -> str:
    return next(
        f"six=={p.version} \\\n" + " \\\n".join(f"    --hash={h}" for h in p.hashes)
        for p in read_pins(REQUIREMENTS_DIR / "dev.txt")
        if p.name == "six"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda text: text, None, id="as-locked"),
        pytest.param(
            lambda text: re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text),
            "THESE PACKAGES DO NOT MATCH THE HASHES",
            id="wrong-hash",
        ),
        pytest.param(
            lambda text: text.split(" \\\n")[0] + "\n",
            "Hashes are required in --require-hashes mode",
            id="missing-hash",
        ),
    ],
)
def test_pip_refuses_a_lock_edited_by_hand(
    tmp_path: Path, edit: object, message: str | None
) -> None:
    assert callable(edit)
    lock = tmp_path / "requirements.txt"
    lock.write_text(edit(six_pin()) + "\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--require-hashes",
            "--dest",
            str(tmp_path / "wheels"),
            "-r",
            str(lock),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if message is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode != 0
        assert message in result.stderr
