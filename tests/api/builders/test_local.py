"""Builds through the local builder: the real runner as a subprocess, as `make dev` runs it."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from services.api.builders.local import LocalBuilder
from services.core.certificates import CERTIFICATE_VARIABLES
from services.core.hosts import new_deployment_id
from services.core.manifest import decode_manifest, manifest_key
from services.core.runner_inputs import RunnerInputs
from services.core.storage import Storage
from tests.support.gitrepo import GitRepo

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def build_page(
    tmp_path: Path, storage_url: str, command: str
) -> tuple[str, LocalBuilder, str]:
    """Run `command` as a project's build (unsandboxed, the case with the host's /tmp) and
    answer the index.html it wrote into out/, the builder and the deployment."""
    repo = GitRepo(tmp_path / "repo")
    inputs = RunnerInputs(
        deployment_id=new_deployment_id(),
        project="site",
        repo_url=repo.url,
        storage_url=storage_url,
        commit_sha=repo.commit({"README.md": "page"}),
        ref="main",
        build_command=f"mkdir -p out && {{ {command}; }} > out/index.html",
        output_dir="out",
        build_timeout=120,
        sandbox="none",
    )
    builder = LocalBuilder(tmp_path / "data")
    handle = await builder.start(inputs)
    with anyio.fail_after(120):
        while True:
            state = await builder.poll(inputs.deployment_id, handle)
            if not state.running:
                break
            await anyio.sleep(0.2)
    log, _ = await builder.read_log(inputs.deployment_id, handle, 0)
    assert state.exit_code == 0, log
    storage = Storage(storage_url)
    manifest = decode_manifest(await storage.get(manifest_key(inputs.deployment_id)))
    key = manifest.files["index.html"].key
    page = await storage.get(f"deployments/{inputs.deployment_id}/{key}")
    return page.decode(), builder, inputs.deployment_id


@pytest.mark.parametrize(
    ("api_env", "seen"),
    [
        pytest.param(
            {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"},
            "/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt",
            id="ssl-cert-file-also-for-node",
        ),
        pytest.param(
            {"NODE_EXTRA_CA_CERTS": "/etc/ssl/certs/proxy.pem"},
            " /etc/ssl/certs/proxy.pem",
            id="node-extra-ca-certs-passes",
        ),
    ],
)
async def test_the_api_hosts_certificate_settings_reach_the_build(
    tmp_path: Path,
    local_storage_url: str,
    monkeypatch: pytest.MonkeyPatch,
    api_env: dict[str, str],
    seen: str,
) -> None:
    for name in CERTIFICATE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in api_env.items():
        monkeypatch.setenv(name, value)
    page, _, _ = await build_page(
        tmp_path, local_storage_url, 'echo "$SSL_CERT_FILE $NODE_EXTRA_CA_CERTS"'
    )
    assert page == f"{seen}\n"


async def test_the_builds_tmpdir_is_its_own_inside_its_scratch_and_goes_with_it(
    tmp_path: Path, local_storage_url: str
) -> None:
    page, builder, deployment_id = await build_page(
        tmp_path, local_storage_url, 'touch "$TMPDIR/left-behind" && echo "$TMPDIR"'
    )
    tmpdir = Path(page.strip())
    scratch = builder.scratch(deployment_id)
    assert tmpdir.is_relative_to(scratch)
    assert not await anyio.Path(
        tmpdir
    ).exists()  # the runner removed its workspace when the build ended
    await builder.cleanup(deployment_id)
    assert not await anyio.Path(scratch).exists()
