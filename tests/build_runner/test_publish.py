"""Publishing against both storage backends: every file, its variants, the manifest last."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import brotli
import pytest

from build_runner.errors import BuildFailure
from build_runner.output import SiteFile
from build_runner.publish import publish_site
from services.core.build_protocol import EXIT_PUBLISH
from services.core.hosts import new_deployment_id
from services.core.manifest import ServingConfig, decode_manifest, manifest_key
from services.core.storage import Storage, StorageError

pytestmark = pytest.mark.anyio


class RecordingStorage(Storage):
    """The real storage, remembering the order of writes (and failing one key on demand)."""

    def __init__(self, url: str, fail_key: str | None = None) -> None:
        super().__init__(url)
        self.writes: list[str] = []
        self.fail_key = fail_key

    async def put(self, key: str, data: bytes | Path, **kwargs: str | None) -> None:
        if key == self.fail_key:
            raise StorageError(f"refused {key}")
        await super().put(key, data, **kwargs)  # type: ignore[arg-type]
        self.writes.append(key)

    async def create(self, key: str, data: bytes) -> bool:
        created = await super().create(key, data)
        self.writes.append(key)
        return created


def site(tmp_path: Path, count: int = 40) -> list[SiteFile]:
    files = []
    for i in range(count):
        rel = f"page{i}/index.html" if i else "index.html"
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<h1>page {i}</h1>\n" * (100 if i % 2 else 1))
        files.append(SiteFile(rel=rel, path=path, size=path.stat().st_size))
    return files


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_storage_url"))


async def test_publish_writes_every_file_then_the_manifest(
    tmp_path: Path, storage_url: str
) -> None:
    storage = RecordingStorage(storage_url)
    files = site(tmp_path)
    deployment = new_deployment_id()
    stats = await publish_site(
        storage,
        deployment_id=deployment,
        project="site",
        files=files,
        config=ServingConfig(spa=True),
        concurrency=8,
    )
    assert storage.writes[-1] == manifest_key(deployment)
    manifest = decode_manifest(await storage.get(manifest_key(deployment)))
    assert manifest.config.spa
    assert stats.files == len(files) == len(manifest.files)
    for site_file in files:
        entry = manifest.files[site_file.rel]
        body = await storage.get(f"deployments/{deployment}/{entry.key}")
        assert body == site_file.path.read_bytes()
        assert entry.sha256 == hashlib.sha256(body).hexdigest()
        assert entry.size == len(body)
        if "br" in entry.encodings:
            br = await storage.get(f"deployments/{deployment}/{entry.encodings['br'].key}")
            gz = await storage.get(f"deployments/{deployment}/{entry.encodings['gzip'].key}")
            assert brotli.decompress(br) == body == gzip.decompress(gz)
    assert sum(bool(e.encodings) for e in manifest.files.values()) == len(files) // 2


async def test_a_failed_upload_writes_no_manifest(tmp_path: Path, local_storage_url: str) -> None:
    deployment = new_deployment_id()
    storage = RecordingStorage(
        local_storage_url, fail_key=f"deployments/{deployment}/files/page7/index.html"
    )
    with pytest.raises(BuildFailure) as failure:
        await publish_site(
            storage,
            deployment_id=deployment,
            project="site",
            files=site(tmp_path),
            config=ServingConfig(),
            concurrency=4,
        )
    assert failure.value.exit_code == EXIT_PUBLISH
    assert not await storage.exists(manifest_key(deployment))


async def test_a_published_deployment_is_never_rewritten(
    tmp_path: Path, local_storage_url: str
) -> None:
    storage = Storage(local_storage_url)
    deployment = new_deployment_id()
    args = {"deployment_id": deployment, "project": "site", "config": ServingConfig()}
    await publish_site(storage, files=site(tmp_path, 2), concurrency=2, **args)  # type: ignore[arg-type]
    with pytest.raises(BuildFailure, match="already published"):
        await publish_site(storage, files=site(tmp_path, 3), concurrency=2, **args)  # type: ignore[arg-type]
