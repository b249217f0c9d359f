"""Hostile request paths never reach anything but the host's own manifest files.

Canary objects sit in another deployment of the same project, in another project, beside
the deployment's own manifest and build log, and at other stored keys. Every path of the
corpus, sent byte for byte over a raw socket (no client normalises it), must answer with a
file listed in the host's manifest, a 400/404, a same-site redirect, or be refused by the
HTTP server itself — and no answer may hold a canary.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import pytest

from services.core.hosts import route_key
from services.core.manifest import build_log_key, file_key
from services.core.storage import Storage
from tests.proxy.rawhttp import Answer, get_once
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

pytestmark = pytest.mark.anyio

CANARY = b"CANARY"
VICTIM_FILES = {
    "index.html": b"victim home",
    "docs/page.html": b"victim page",
    "docs/index.html": b"victim docs",
    "404.html": b"victim not found",
}
VICTIM_REDIRECTS = "/go/* /:splat 302\n/r/* /docs/:splat 200\n"

TRAVERSALS = [
    "../", "..%2f", "..%2F", "%2e%2e/", "%2e%2e%2f", "%2E%2E%2F", ".%2e/", "%2e./",
    "..%5c", "..\\", "%2e%2e%5c", "%252e%252e%252f", "..%252f", "..%c0%af", "%c0%ae%c0%ae/",
    "..%e0%80%af", "..%00/", "..%0d%0a/", "..;/", "....//", "%2e/", ".%00./", "..%ff/", "%2f",
]  # fmt: skip


@dataclass(frozen=True)
class Planted:
    host: str
    deployment: str
    other_deployment: str
    other_project_deployment: str


async def plant(storage: Storage) -> Planted:
    project = unique_project()
    other = await publish(storage, project, {"secret.txt": CANARY + b" older deployment"})
    foreign = await publish(storage, unique_project(), {"secret.txt": CANARY + b" other project"})
    victim = await publish(storage, project, VICTIM_FILES, redirects=VICTIM_REDIRECTS)
    host = f"{project}.localhost"
    await point(storage, host, victim)
    await point(storage, f"{project}-old.localhost", other, "deployment")
    await storage.put(build_log_key(victim.deployment), CANARY + b" build log")
    await storage.put(file_key(victim.deployment, "secret.txt"), CANARY + b" unlisted file")
    await storage.put(file_key(victim.deployment, "files/secret.txt"), CANARY + b" unlisted")
    await storage.put("canary.txt", CANARY + b" bucket root")
    await storage.put("secret.txt", CANARY + b" bucket root")
    await storage.put(route_key("canary.localhost"), CANARY + b" route-like key")
    return Planted(host, victim.deployment, other.deployment, foreign.deployment)


def corpus(p: Planted) -> list[bytes]:
    targets = [
        "secret.txt",
        "canary.txt",
        "manifest.json",
        "build.log",
        "files/secret.txt",
        f"{p.other_deployment}/files/secret.txt",
        f"deployments/{p.other_project_deployment}/files/secret.txt",
        "routes/canary.localhost.json",
    ]
    paths: list[str] = []
    for step in TRAVERSALS:
        for target in targets:
            paths.append("/" + step + target)
            paths.append("/docs/" + step * 3 + target)
    paths += [
        "/files/index.html",
        "/manifest.json",
        "/build.log",
        "/secret.txt",
        "/files/secret.txt",
        f"/deployments/{p.other_deployment}/files/secret.txt",
        f"/%2fdeployments/{p.other_deployment}/files/secret.txt",
        "//canary.txt",
        "///canary.txt",
        "/\\canary.txt",
        "/%5ccanary.txt",
        "/index.html%00.txt",
        "/index.html%00",
        "/%00",
        "/%0a",
        "/%7f",
        "/" + "a" * 3000,
        "/" + "../" * 600 + "canary.txt",
        "/docs/" + "%2e%2e%2f" * 200 + "canary.txt",
        "/%ff%fe",
        "/%c3%28",
        "/%80index.html",
        "/%",
        "/%zz",
        "/%2",
        "/..",
        "/.",
        "/docs/page.html/..",
        "/docs/page.html/.",
        "/docs/./page.html",
        "/./index.html",
        "/docs/../index.html",
        "/index.html/",
        "/INDEX.HTML",
        "/index.html?../../secret.txt",
        "/go/..%2f..%2fcanary.txt",
        "/go//evil.example/x",
        "/go/%2f%2fevil.example",
        "/go/%5c%5cevil.example",
        "/r/..%2f..%2fcanary.txt",
        "/r/%2e%2e/%2e%2e/secret.txt",
        "/r/../../manifest.json",
        "/r/page.html",
        "/docs/page",
        "/docs",
        "/docs?q=%ff\u00e9",  # a raw latin-1 byte in the query of a slash redirect
        "/\u00e9t\u00e9".encode().decode("latin-1"),
    ]
    return [path.encode("latin-1") for path in paths]


def check(answer: Answer, planted: Planted, target: bytes) -> None:
    assert CANARY not in answer.body, target
    if answer.status is None:
        return
    assert answer.status in (200, 301, 302, 308, 400, 404, 414, 431), (target, answer.status)
    deployment = answer.headers.get(b"x-slipway-deployment")
    assert deployment in (None, planted.deployment.encode()), target
    if answer.status == 200:
        assert answer.body in VICTIM_FILES.values(), target
    if answer.status == 404 and deployment is not None:
        assert answer.body in (VICTIM_FILES["404.html"], b"not found\n"), target
    if answer.status in (301, 302, 308):
        location = answer.headers[b"location"]
        assert location.startswith(b"/"), target
        assert not location.startswith((b"//", b"/\\")), target


async def test_hostile_path_corpus(proxy: RunningProxy) -> None:
    planted = await plant(Storage(proxy.storage_url))
    paths = corpus(planted)
    assert len(paths) >= 200
    statuses: dict[int | None, int] = {}
    limit = anyio.Semaphore(8)

    async def one(target: bytes) -> None:
        async with limit:
            answer = await get_once(proxy.port, planted.host, target)
        check(answer, planted, target)
        statuses[answer.status] = statuses.get(answer.status, 0) + 1

    async with anyio.create_task_group() as group:
        for target in paths:
            group.start_soon(one, target)
    # The corpus really exercised the proxy's own refusals, not only the server's.
    assert statuses.get(400, 0) > 100
    assert statuses.get(404, 0) > 20
    assert statuses.get(200, 0) >= 3


async def test_hostile_host_headers(proxy: RunningProxy) -> None:
    planted = await plant(Storage(proxy.storage_url))
    for host in (
        f"{planted.host}/../canary",
        f"{planted.host}\\x",
        "canary.localhost",
        "..",
        "",
        f"[::1]:{proxy.port}",
        f"{planted.host}@evil.example",
    ):
        answer = await get_once(proxy.port, host, b"/secret.txt")
        assert CANARY not in answer.body
        assert answer.status in (None, 400, 404), host
