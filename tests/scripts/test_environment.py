"""Environment files: validated on load, errors naming the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.deploy.environment import load_environment, parse_environment
from scripts.deploy.errors import ConfigError
from scripts.deploy.tfvars import tfvars
from tests.scripts.conftest import REPO

MINIMAL = {
    "aws": {"region": "eu-west-1"},
    "state": {"bucket": "my-state"},
    "dns": {"base_domain": "sites.example.com", "hosted_zone_id": "Z1ABC"},
}


def test_the_committed_example_loads() -> None:
    env = load_environment("example", REPO / "environments")
    assert env.resource_name == "slipway-example"
    assert env.state_key == "slipway/example/terraform.tfstate"
    assert env.state_region == "eu-west-1"


def test_defaults_fill_a_minimal_file() -> None:
    env = parse_environment("staging", MINIMAL, source="staging.yaml")
    assert (env.services.api.cpu, env.services.api.memory) == (512, 1024)
    assert env.images.tag_policy == "git-sha"
    assert env.deletion_protection is True
    assert env.container_insights is True
    assert env.alarms.emails == ()
    assert env.ecs_service_linked_role == "create"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            {"dns": {"base_domain": "sites.example.com"}},
            "dns: set hosted_zone_id or certificate_arn",
            id="no-zone-or-cert",
        ),
        pytest.param(
            {"aws": {"region": "Ireland"}}, "aws.region: String should match pattern", id="region"
        ),
        pytest.param(
            {"services": {"api": {"min_count": 3, "desired_count": 1}}},
            "services.api: counts must satisfy min_count <= desired_count <= max_count",
            id="counts",
        ),
        pytest.param(
            {"builder": {"cpu": 300}}, "builder: cpu 300 is not a Fargate size", id="fargate-cpu"
        ),
        pytest.param(
            {
                "dns": {"base_domain": "x.io", "custom_domains": ["ok.example.com", "Bad_Name"]},
                "state": {"bucket": "A"},
            },
            "dns.custom_domains[1]: String should match pattern",
            id="list-index",
        ),
        pytest.param(
            {"images": {"tag_policy": "latest"}},
            "images.tag_policy: Input should be 'git-sha' or 'explicit'",
            id="policy",
        ),
        pytest.param(
            {"name": "other"}, "name: 'other' does not match the file name", id="name-mismatch"
        ),
        pytest.param(
            {"ecs_service_linked_role": "maybe"},
            "ecs_service_linked_role: Input should be 'create' or 'existing'",
            id="service-linked-role",
        ),
        pytest.param(
            {"alarms": {"emails": ["ops@example.com", "ops at example.com"]}},
            "alarms.emails[1]: String should match pattern",
            id="alarm-email",
        ),
        pytest.param(
            {"alarms": {"topic_kms_key_arn": "arn:aws:sns:eu-west-1:123456789012:key/x"}},
            "alarms.topic_kms_key_arn: String should match pattern",
            id="alarm-key",
        ),
        pytest.param(
            {"container_insights": "sometimes"},
            "container_insights: Input should be a valid boolean",
            id="container-insights",
        ),
    ],
)
def test_errors_name_the_key_path(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_environment("staging", {**MINIMAL, **change}, source="staging.yaml")
    assert message in caught.value.message
    assert caught.value.message.startswith("staging.yaml: ")


def test_several_problems_are_all_named_on_one_line() -> None:
    data = {**MINIMAL, "colour": "blue", "state": {"bucket": "A"}}
    with pytest.raises(ConfigError) as caught:
        parse_environment("staging", data, source="staging.yaml")
    assert "state.bucket: String should match pattern" in caught.value.message
    assert "colour: unknown key" in caught.value.message
    assert "\n" not in caught.value.message


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        pytest.param("nope", None, "no environment file", id="missing"),
        pytest.param("Bad_Name", None, "environment name 'Bad_Name' is not valid", id="bad-name"),
        pytest.param("toolongforaname", None, "is not valid", id="too-long"),
        pytest.param("broken", "aws: [unclosed\n", "is not valid YAML", id="yaml"),
        pytest.param(
            "listy", "- a\n- b\n", "expected a mapping of keys at the top level", id="not-mapping"
        ),
    ],
)
def test_file_problems(tmp_path: Path, name: str, text: str | None, message: str) -> None:
    (tmp_path / "example.yaml").write_text("{}")
    if text is not None:
        (tmp_path / f"{name}.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_environment(name, tmp_path)


def test_the_small_profile_runs_one_arm64_task_that_scales_out() -> None:
    env = load_environment("small", REPO / "environments")
    assert env.images.cpu_architecture == "ARM64"
    assert env.services.api_beside_proxy is True
    proxy = env.services.proxy
    assert (proxy.cpu, proxy.memory, proxy.min_count) == (256, 1024, 1)
    assert proxy.max_count > 1
    assert tfvars(env)["api_beside_proxy"] is True
    assert (env.network.az_count, env.network.enable_nat) == (2, False)
    assert (env.database.instance_class, env.database.multi_az) == ("db.t4g.micro", False)
    assert env.container_insights is False


def test_an_api_size_beside_the_proxy_is_refused(tmp_path: Path) -> None:
    text = (REPO / "environments" / "small.yaml").read_text()
    sized = text.replace(
        "  api_beside_proxy: true\n",
        "  api_beside_proxy: true\n  api: {cpu: 256, memory: 512, desired_count: 1}\n",
    )
    assert sized != text
    (tmp_path / "tiny.yaml").write_text(sized)
    with pytest.raises(ConfigError, match="api has no task of its own when api_beside_proxy"):
        load_environment("tiny", tmp_path)


def test_the_ha_profile_survives_a_zone() -> None:
    env = load_environment("ha", REPO / "environments")
    assert env.network.az_count == 3
    assert env.services.proxy.min_count >= env.network.az_count
    assert env.services.api.min_count >= 2
    assert env.database.multi_az is True
    assert env.container_insights is True
