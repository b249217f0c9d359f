"""`/schema` is the API's reference, readable with no network: no script, every operation."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from services.api.api_reference import reference_html

pytestmark = pytest.mark.anyio
Client = AsyncTestClient  # type: ignore[type-arg]


async def test_the_reference_page_needs_nothing_from_elsewhere(client: Client) -> None:
    page = await client.get("/schema", headers={"Authorization": ""})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    document = (await client.get("/schema/openapi.json")).json()
    operations = [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 15
    for method, path in operations:
        assert f'<span class="method">{method}</span> <code>{path}</code>' in html
    assert "body: <code>ProjectCreate</code>" in html


async def test_what_the_document_says_is_escaped(client: Client) -> None:
    html = reference_html(
        {
            "info": {"title": "<b>x</b>", "version": "1"},
            "paths": {"/a/<img>": {"get": {"summary": "<script>alert(1)</script>"}}},
        }
    )
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<code>/a/&lt;img&gt;</code>" in html
