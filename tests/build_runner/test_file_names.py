"""Odd but legal file names publish whole and are served: a DEL in a name, a name of 250
characters, a deep path past what a storage key can hold. Both storage backends."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from services.core.storage import Storage
from tests.build_runner.support import published, run_runner
from tests.proxy.server import proxy_process
from tests.proxy.sites import point
from tests.support.gitrepo import GitRepo

pytestmark = pytest.mark.slow

LONG = "n" * 245 + ".html"  # 250 characters: within NAME_MAX, past what the stores took
DEEP = "/".join(["d" * 120] * 9) + "/page.txt"  # over 1024 bytes: no S3 key could hold it
FILES = {
    "index.html": "<h1>home</h1>",
    "a\x7fb.html": "<p>del</p>" * 50,  # compressible: its variants are stored too
    LONG: "<p>long</p>" * 50,
    f"dir/{LONG}": "<p>long in a directory</p>",
    DEEP: "deep",
    "plain.txt": "plain",
}


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_storage_url"))


def test_odd_names_publish_and_are_served_percent_encoded(tmp_path: Path, storage_url: str) -> None:
    repo = GitRepo(tmp_path / "repo")
    commit = repo.commit({**FILES, "tab\there.txt": "unreachable"})
    result = run_runner(repo_url=repo.url, commit=commit, storage_url=storage_url)
    assert result.code == 0, result.stdout
    manifest, files, log = published(storage_url, result.deployment_id)
    assert {path: files[path].decode() for path in FILES} == FILES
    assert "tab\there.txt" not in manifest.files  # no URL could name it: left out, said so
    assert "skipped 'tab\\there.txt': the name holds a backslash or a control character" in log

    storage = Storage(storage_url)
    asyncio.run(point(storage, "names.localhost", manifest))
    with proxy_process(storage_url) as proxy:
        for path, body in FILES.items():
            url = f"{proxy.base_url}/{quote(path)}"
            for encoding in ("identity", "br"):
                answer = httpx.get(
                    url, headers={"host": "names.localhost", "accept-encoding": encoding}
                )
                assert (answer.status_code, answer.text) == (200, body), (path, encoding)
