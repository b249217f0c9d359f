"""Real git repositories on disk for tests, cloned through `file://` URLs."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/nonexistent",
}


class GitRepo:
    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()

    def git(self, *args: str) -> str:
        out = subprocess.run(
            ["git", *args], cwd=self.path, env=_GIT_ENV, check=True, capture_output=True, text=True
        )
        return out.stdout.strip()

    def write(self, files: Mapping[str, str | bytes]) -> None:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)

    def commit(self, files: Mapping[str, str | bytes], message: str = "change") -> str:
        """Write files, commit them all, and return the new commit's full sha."""
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def checkout(self, branch: str, create: bool = False) -> None:
        self.git("checkout", "-q", *(["-b"] if create else []), branch)


def node_site(title: str, build: str = "ok") -> dict[str, str]:
    """A package.json whose `build` script (plain node, no downloads) writes dist/index.html."""
    scripts = {
        "ok": (
            "node -e \"require('fs').mkdirSync('dist',{recursive:true});"
            "require('fs').writeFileSync('dist/index.html','<h1>'+require('./title.json')+'</h1>')\""
        ),
        "fail": "node -e \"console.error('boom'); process.exit(3)\"",
        "slow": (
            "node -e \"setTimeout(()=>{require('fs').mkdirSync('dist',{recursive:true});"
            "require('fs').writeFileSync('dist/index.html','<h1>'+require('./title.json')+'</h1>')},3000)\""
        ),
    }
    import json

    return {
        "package.json": json.dumps(
            {
                "name": "site",
                "version": "1.0.0",
                "private": True,
                "scripts": {"build": scripts[build]},
            }
        ),
        "title.json": json.dumps(title),
    }
