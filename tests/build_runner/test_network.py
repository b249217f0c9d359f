"""A real Vite project from the npm registry (left out of the default run: `network` marker)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.build_runner.support import published, run_runner
from tests.support.gitrepo import GitRepo

pytestmark = [pytest.mark.network, pytest.mark.slow]

VITE_VERSION = "5.4.11"


def test_real_vite_template(tmp_path: Path, local_storage_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write(
        {
            "package.json": json.dumps(
                {
                    "name": "vite-site",
                    "private": True,
                    "version": "0.0.0",
                    "type": "module",
                    "scripts": {"build": "vite build"},
                    "devDependencies": {"vite": VITE_VERSION},
                }
            ),
            "index.html": (
                '<!doctype html><html><head><title>Vite</title></head><body><div id="app"></div>'
                '<script type="module" src="/src/main.js"></script></body></html>'
            ),
            "src/main.js": (
                "import './style.css';\n"
                "document.querySelector('#app').textContent = 'Hello from Vite';\n"
            ),
            "src/style.css": "#app { font-family: sans-serif; color: #333; }\n",
            "public/favicon.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>',
        }
    )
    subprocess.run(
        ["npm", "install", "--package-lock-only", "--no-audit", "--no-fund"],
        cwd=repo.path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    commit = repo.commit({})
    result = run_runner(repo_url=repo.url, commit=commit, storage_url=local_storage_url)
    assert result.code == 0, result.stdout
    assert "framework: Vite" in result.stdout
    manifest, files, _ = published(local_storage_url, result.deployment_id)
    assert "favicon.svg" in files
    scripts = [p for p in files if p.startswith("assets/") and p.endswith(".js")]
    assert scripts
    assert all(manifest.files[p].cache == "immutable" for p in scripts)
    assert b"Hello from Vite" in files[scripts[0]]
