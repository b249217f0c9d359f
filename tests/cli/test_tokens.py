"""`slipway tokens` and `slipway hooks` against the real api: made once, used, listed, revoked."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.cli.live import LiveApi, Site

pytestmark = pytest.mark.slow


def test_a_project_deploy_token_works_within_its_scope_and_is_revoked(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site()
    made = cli("tokens", "create", "ci", "--role", "deploy", "--project", site.name)
    assert made.code == 0, made.err
    token = made.out.strip()
    assert token.startswith("slw_")
    assert "copy it now, it is not shown again" in made.err
    listed = cli("tokens", "list")
    assert "ci" in listed.out
    assert "deploy" in listed.out
    assert token not in listed.out

    monkeypatch.setenv("SLIPWAY_API_TOKEN", token)
    deployed = cli("deploy", site.name, "--no-wait")
    assert deployed.code == 0, deployed.err
    refused = cli("projects", "delete", site.name, "--yes")
    assert refused.code != 0
    assert "this token's role is deploy; this needs admin or above" in refused.err
    monkeypatch.setenv("SLIPWAY_API_TOKEN", api.token)

    token_id = token.split("_")[1]
    assert cli("tokens", "revoke", token_id).code == 0
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get(f"/api/projects/{site.name}").status_code == 401
    unknown = cli("tokens", "create", "x", "--role", "root")
    assert unknown.code != 0
    assert "no role 'root': choose read, deploy or admin" in unknown.err


def test_revoking_by_the_token_itself_sends_only_its_id(cli: Cli, api: LiveApi) -> None:
    token = cli("tokens", "create", "pasted", "--role", "read").out.strip()
    token_id, secret = token.split("_", 2)[1:]
    revoked = cli("tokens", "revoke", token)
    assert revoked.code == 0, revoked.err
    assert revoked.out.strip() == f"Revoked token {token_id}"
    assert secret not in revoked.out + revoked.err
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get("/api/projects").status_code == 401
    again = cli("tokens", "revoke", token)  # gone now: the refusal names the id only
    assert again.code != 0
    assert secret not in again.out + again.err


def test_a_deploy_hook_url_deploys_the_branch(
    cli: Cli, api: LiveApi, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    made = cli("hooks", "create", site.name, "cms")
    assert made.code == 0, made.err
    url = made.out.strip()
    assert "/hooks/deploy/" in url
    answer = httpx.post(url, timeout=30)
    assert answer.status_code == 202, answer.text
    final = api.wait_for(answer.json()["id"], ("ready", "failed"))
    assert final["status"] == "ready"
    assert final["trigger"] == "hook"
    listed = cli("hooks", "list", site.name)
    assert "cms" in listed.out
    assert url not in listed.out
    hook_id = url.rstrip("/").split("/")[-2]
    assert cli("hooks", "delete", site.name, hook_id).code == 0
    assert httpx.post(url, timeout=30).status_code == 404


@pytest.mark.parametrize(
    ("args", "says"),
    [
        pytest.param(
            ("tokens", "create", "ci", "--role", "owner"),
            "no role 'owner': choose read, deploy or admin",
            id="unknown-role",
        ),
        pytest.param(
            ("tokens", "create", "ci", "--project", "no-such-project"),
            "no project named 'no-such-project'\nhint: `slipway projects list` shows them all",
            id="token-of-an-unknown-project",
        ),
        pytest.param(
            ("tokens", "create", "ci", "--project", "Not A Name"),
            "'Not A Name' is not a valid project name:",
            id="token-of-an-impossible-project",
        ),
        pytest.param(
            ("tokens", "revoke", "nosuchtoken0"),
            "no token 'nosuchtoken0': `slipway tokens list` shows them",
            id="revoke-a-missing-token",
        ),
        pytest.param(
            ("hooks", "create", "no-such-project", "cms"),
            "no project named 'no-such-project'\nhint: `slipway projects list` shows them all",
            id="hook-of-an-unknown-project",
        ),
    ],
)
def test_a_wrong_argument_says_what_is_wrong_and_what_to_type(
    cli: Cli, args: tuple[str, ...], says: str
) -> None:
    result = cli(*args)
    assert result.code != 0
    assert says in result.err
    assert "Traceback" not in result.err


def test_deleting_a_missing_hook_names_the_command_that_lists_them(
    cli: Cli, make_site: Callable[..., Site]
) -> None:
    site = make_site()
    result = cli("hooks", "delete", site.name, "nosuchhook00")
    assert result.code != 0
    assert (
        f"project '{site.name}' has no deploy hook 'nosuchhook00': "
        f"`slipway hooks list {site.name}` shows them"
    ) in result.err
