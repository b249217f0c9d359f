"""`/livez` (liveness) beside `/healthz` (readiness): liveness asks storage nothing, and on a
routed site's host every one of the proxy's own paths belongs to the site."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
from litestar.testing import AsyncTestClient

from services.core.settings import Settings
from services.core.storage import Storage
from services.proxy.app import create_app
from tests.proxy.sites import point, publish

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]
# How the health checkers ask: ECS's container check by loopback, the ALB by the task's
# own address and port.
CHECKER_HOSTS = [
    pytest.param("127.0.0.1:8080", id="container-check"),
    pytest.param("10.0.1.23:8080", id="load-balancer"),
]


async def client_for(storage_url: str) -> AsyncIterator[Client]:
    settings = Settings(storage_url=storage_url, proxy_access_log=False, _env_file=None)  # type: ignore[call-arg]
    async with AsyncTestClient(app=create_app(settings)) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials, so that an S3 request really goes out (without, it fails before)."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(name, value)


@pytest.fixture
async def local_client(local_storage_url: str) -> AsyncIterator[Client]:
    async for client in client_for(local_storage_url):
        yield client


class Blackhole:
    """A TCP port that accepts connections and never answers: storage that hangs."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.accepted += 1
            self._held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def blackhole() -> Iterator[Blackhole]:
    hole = Blackhole()
    try:
        yield hole
    finally:
        hole.close()


@pytest.mark.parametrize("host", CHECKER_HOSTS)
async def test_liveness_and_readiness_answer_200_while_storage_answers(
    local_client: Client, host: str
) -> None:
    for path in ("/livez", "/healthz"):
        response = await local_client.get(path, headers={"host": host})
        assert (response.status_code, response.text) == (200, "ok\n")
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("host", CHECKER_HOSTS)
async def test_storage_refusing_connections_fails_readiness_not_liveness(host: str) -> None:
    # An S3 endpoint where nothing listens (a privileged port no test server will take).
    url = "s3://down-bucket/?endpoint=http://127.0.0.1:9&region=us-east-1"
    async for client in client_for(url):
        assert (await client.get("/livez", headers={"host": host})).status_code == 200
        assert (await client.get("/healthz", headers={"host": host})).status_code == 503
        assert (await client.head("/livez", headers={"host": host})).status_code == 200


@pytest.mark.parametrize("host", CHECKER_HOSTS)
async def test_liveness_never_waits_on_storage_that_hangs(blackhole: Blackhole, host: str) -> None:
    url = f"s3://hung-bucket/?endpoint=http://127.0.0.1:{blackhole.port}&region=us-east-1"
    async for client in client_for(url):
        with anyio.fail_after(2):  # a wait on storage would last until its client gives up
            for _ in range(5):
                response = await client.get("/livez", headers={"host": host})
                assert (response.status_code, response.text) == (200, "ok\n")
    assert blackhole.accepted == 0, "liveness opened a connection to storage"


@pytest.mark.parametrize("path", ["/livez", "/healthz", "/metrics"])
async def test_on_a_site_host_the_proxy_paths_are_the_site_pages(
    local_client: Client, local_storage_url: str, path: str
) -> None:
    storage = Storage(local_storage_url)
    page = f"<h1>the site's own {path}</h1>".encode()
    manifest = await publish(storage, "owner", {f"{path[1:]}.html": page, "index.html": b"hi"})
    await point(storage, "owner.localhost", manifest)
    headers = {"host": "owner.localhost", "accept-encoding": "identity"}
    for _ in range(2):  # the full path first, then the fast path from memory
        response = await local_client.get(path, headers=headers)
        assert (response.status_code, response.content) == (200, page)
        assert response.headers["x-slipway-deployment"] == manifest.deployment
    # A routed host without such a page gets the site's 404, not the proxy's answer.
    other = await publish(storage, "plain", {"index.html": b"hi"})
    await point(storage, "plain.localhost", other)
    missing = await local_client.get(path, headers={"host": "plain.localhost"})
    assert missing.status_code == 404
    assert missing.headers["x-slipway-deployment"] == other.deployment
