"""Publishing with the builder's credentials: PutObject on its deployment, no read at all.

The ECS builder role may not read `deployments/` (S3 answers 403 to GetObject and
HeadObject there), so publishing must not probe for the manifest: the manifest's
create-only put is what tells an already published deployment.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from build_runner.errors import BuildFailure
from build_runner.log import BuildLog
from build_runner.output import SiteFile, collect_files
from build_runner.publish import PublishStats, publish_site
from services.core.build_protocol import EXIT_PUBLISH
from services.core.hosts import new_deployment_id
from services.core.manifest import ServingConfig, decode_manifest, manifest_key
from services.core.runner_inputs import Limits
from services.core.storage import ObjectInfo, Storage, StorageError

pytestmark = pytest.mark.anyio


class WriteOnlyStorage(Storage):
    """Storage as the builder role sees it: every read under deployments/ is refused."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.refused: list[str] = []

    def _refuse(self, key: str) -> None:
        if key.startswith("deployments/"):
            self.refused.append(key)
            raise StorageError(f"could not read {key}: 403 Forbidden")

    async def get(self, key: str) -> bytes:
        self._refuse(key)
        return await super().get(key)

    async def get_range(self, key: str, start: int, end: int) -> bytes:
        self._refuse(key)
        return await super().get_range(key, start, end)

    async def head(self, key: str) -> ObjectInfo | None:
        self._refuse(key)
        return await super().head(key)

    async def list(self, prefix: str) -> list[ObjectInfo]:
        self._refuse(prefix)
        return await super().list(prefix)

    async def stream(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = 256 * 1024
    ) -> AsyncIterator[bytes]:
        self._refuse(key)
        async for chunk in super().stream(key, start, end, chunk_size):
            yield chunk


@pytest.fixture(params=["local", "s3"])
def storage_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_storage_url"))


async def publish(storage: Storage, deployment: str, files: list[SiteFile]) -> PublishStats:
    return await publish_site(
        storage,
        deployment_id=deployment,
        project="site",
        files=files,
        config=ServingConfig(),
        concurrency=4,
    )


def site(tmp_path: Path) -> Path:
    output = tmp_path / "out"
    (output / "img").mkdir(parents=True)
    (output / "index.html").write_text("<h1>home</h1>\n" * 200)  # compressed: read whole
    (output / "img/logo.png").write_bytes(secrets.token_bytes(5000))  # streamed from its fd
    return output


async def test_publishing_needs_no_read_of_the_deployment(tmp_path: Path, storage_url: str) -> None:
    output = site(tmp_path)
    files = collect_files(output, Limits(), BuildLog(io.StringIO()), is_root=False)
    storage = WriteOnlyStorage(storage_url)
    deployment = new_deployment_id()
    stats = await publish(storage, deployment, files)
    assert stats.files == 2
    assert storage.refused == []

    reader = Storage(storage_url)  # the proxy's view: the deployment is complete
    manifest = decode_manifest(await reader.get(manifest_key(deployment)))
    for rel in ("index.html", "img/logo.png"):
        body = await reader.get(f"deployments/{deployment}/{manifest.files[rel].key}")
        assert body == (output / rel).read_bytes()
        assert manifest.files[rel].sha256 == hashlib.sha256(body).hexdigest()


async def test_an_already_published_deployment_is_told_by_the_create_only_put(
    tmp_path: Path, storage_url: str
) -> None:
    files = collect_files(site(tmp_path), Limits(), BuildLog(io.StringIO()), is_root=False)
    storage = WriteOnlyStorage(storage_url)
    deployment = new_deployment_id()
    await publish(storage, deployment, files)
    first = await Storage(storage_url).get(manifest_key(deployment))
    with pytest.raises(BuildFailure) as failure:
        await publish(storage, deployment, files)
    assert failure.value.exit_code == EXIT_PUBLISH
    # Every object is written create-only: the repeat stops at its first file.
    assert failure.value.message.startswith(f"deployment {deployment} is already published")
    assert storage.refused == []
    assert await Storage(storage_url).get(manifest_key(deployment)) == first
