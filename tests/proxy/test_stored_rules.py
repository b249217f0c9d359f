"""Whatever `_redirects` and `_headers` text a stored manifest holds (a build validates it, but
older builds validated less), the proxy answers it without a 500."""

from __future__ import annotations

import anyio
import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.core.storage import Storage
from tests.proxy.server import RunningProxy
from tests.proxy.sites import point, publish, unique_project

# The characters that have broken a response header or a Location: controls, DEL, NEL,
# separators and quotes, and text beyond Latin-1.
TEXT = st.text(alphabet="abz09/:*!.=-_ ,;%?#\\\"'\t\x00\x01\x1b\x7f\x85\u00e9\u2603", max_size=24)
PATHS = st.sampled_from(["/", "/*", "/a", "/a/:x", "/a/*", "https://h.localhost/*"])
HEADER_NAMES = st.sampled_from(["X-A", "Link", "Cache-Control", "X-Frame-Options", "Vary"])
STATUSES = st.sampled_from(["", "200", "301", "302!", "404", "410"])


@st.composite
def rules(draw: st.DrawFn) -> tuple[str, str]:
    headers = "".join(
        f"{draw(PATHS)}\n  {draw(HEADER_NAMES)}: {draw(TEXT)}\n"
        for _ in range(draw(st.integers(0, 3)))
    )
    redirects = "".join(
        f"{draw(PATHS)} /{draw(TEXT).replace(' ', '')} {draw(STATUSES)}\n"
        for _ in range(draw(st.integers(0, 3)))
    )
    return headers, redirects


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stored=rules())
def test_no_stored_rule_makes_the_proxy_answer_500(
    proxy: RunningProxy, stored: tuple[str, str]
) -> None:
    headers, redirects = stored
    project = unique_project()
    host = f"{project}.localhost"

    async def store() -> None:
        storage = Storage(proxy.storage_url)
        files = {"index.html": b"home", "a/index.html": b"a", "404.html": b"missing"}
        manifest = await publish(storage, project, files, redirects=redirects, headers=headers)
        await point(storage, host, manifest)

    anyio.run(store)
    with httpx.Client(base_url=proxy.base_url, timeout=10) as http:
        for path in ("/", "/a", "/a/x", "/b", "/%7F"):
            answer = http.get(path, headers={"host": host})
            assert answer.status_code < 500, (path, headers, redirects, answer.text)
