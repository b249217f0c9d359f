"""Hostile input against the api: property-based webhook fuzzing and schemathesis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from services.api.app import create_app
from tests.api.conftest import SECRET, make_settings, sign
from tests.api.conftest import TOKEN as API_TOKEN
from tests.support.platform import TOKEN, Platform

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
push_like = st.fixed_dictionaries(
    {},
    optional={
        "ref": st.one_of(
            st.text(max_size=30), st.sampled_from(["refs/heads/main", "refs/tags/v1"])
        ),
        "after": st.one_of(st.text(max_size=45), st.just("a" * 40)),
        "deleted": json_values,
        "repository": st.one_of(json_values, st.just({"full_name": "acme/site"})),
        "head_commit": json_values,
        "pull_request": json_values,
        "number": json_values,
        "action": st.one_of(st.text(max_size=10), st.sampled_from(["opened", "closed"])),
    },
)
events = st.sampled_from(["push", "pull_request", "ping", "issues", "", "release", "x" * 70])


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root: Path = tmp_path_factory.mktemp("fuzz")
    app = create_app(
        make_settings(root, f"sqlite+aiosqlite:///{root / 'db.sqlite'}"), run_dispatcher=False
    )
    with TestClient(app=app) as client:
        client.headers["Authorization"] = f"Bearer {API_TOKEN}"
        created = client.post(
            "/api/projects",
            json={"name": "site", "repo_url": "https://github.com/acme/site", "build_tags": True},
        )
        assert created.status_code == 201
        yield client


def deployment_count(client: Any) -> int:
    return len(client.get("/api/projects/site/deployments", params={"limit": 500}).json())


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(st.binary(max_size=300), push_like.map(lambda p: json.dumps(p).encode())),
    event=events,
    delivery=st.one_of(st.text(max_size=120), st.uuids().map(str)),
    content_type=st.sampled_from(
        ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
    ),
    signature=st.one_of(st.none(), st.text(max_size=80), st.just("valid")),
)
def test_webhook_never_fails_and_unsigned_records_nothing(
    fuzz_client: Any,
    body: bytes,
    event: str,
    delivery: str,
    content_type: str,
    signature: str | None,
) -> None:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": content_type}
    valid = signature == "valid"
    if signature is not None:
        headers["X-Hub-Signature-256"] = sign(body, SECRET) if valid else signature
    headers = {k: v for k, v in headers.items() if v.isascii() and v.isprintable()}
    before = deployment_count(fuzz_client)
    response = fuzz_client.post("/webhooks/github", content=body, headers=headers)
    assert response.status_code < 500, response.text
    if not valid:
        assert response.status_code == 401
        assert deployment_count(fuzz_client) == before


@pytest.fixture(scope="module")
def running_api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    # The project names a GitHub repository that is never cloned: no check reaches out.
    platform = Platform(
        tmp_path_factory.mktemp("schema"),
        SLIPWAY_API_TOKEN=TOKEN,
        SLIPWAY_CHECK_REPOSITORIES="false",
    )
    platform.start("api")
    platform.create_project("site", "https://github.com/acme/site")
    yield platform
    platform.stop()


def test_schemathesis_against_the_openapi_document(running_api: Platform) -> None:
    """Every operation with generated inputs over real HTTP: no 5xx, responses match the schema."""
    import schemathesis
    from schemathesis.specs.openapi.checks import response_schema_conformance

    base_url = str(running_api.api.base_url).rstrip("/")
    schema = schemathesis.openapi.from_url(f"{base_url}/schema/openapi.json")
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN}"}
            response = case.call(base_url=base_url)
            assert response.status_code < 500, f"{case.method} {case.path}: {response.text}"
            case.validate_response(response, checks=(response_schema_conformance,))

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:2000]}")
        checked += 1
    assert checked >= 10
    assert not failures, "\n\n".join(failures)
