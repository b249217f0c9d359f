from __future__ import annotations

import json
import os
from pathlib import Path

from build_runner.corepack_home import seed_corepack_home


def test_prepared_releases_are_linked_into_a_writable_home(tmp_path: Path) -> None:
    prepared = tmp_path / "prepared"
    (prepared / "v1/pnpm/9.15.9/bin").mkdir(parents=True)
    (prepared / "v1/yarn/1.22.22").mkdir(parents=True)
    (prepared / "v1/corepack-123-abc").mkdir(parents=True)  # an interrupted download
    (prepared / "lastKnownGood.json").write_text(json.dumps({"pnpm": "9.15.9"}))
    prepared.chmod(0o555)
    try:
        home = seed_corepack_home(prepared, tmp_path / "build" / "corepack")
    finally:
        prepared.chmod(0o755)
    assert (home / "v1/pnpm/9.15.9/bin").is_dir()
    assert (home / "v1/pnpm/9.15.9").is_symlink()
    assert (home / "v1/yarn/1.22.22").is_symlink()
    assert not (home / "v1/corepack-123-abc").exists()
    assert json.loads((home / "lastKnownGood.json").read_text()) == {"pnpm": "9.15.9"}
    assert os.access(home / "v1/pnpm", os.W_OK)  # room for releases a project pins
