"""The rules the emulated platform plays by, each as AWS states it (fast; no server)."""

from __future__ import annotations

import pytest

from tests.aws.alb import Rule
from tests.aws.emulator import Credentials
from tests.aws.emulator_server import condition_holds, role_of_session
from tests.aws.fargate import container_environment
from tests.aws.registry import dockerfile_command, split_image
from tests.terraform.tfconfig import ROOT

REQUEST = {"aws:securetransport": "true", "s3:prefix": "routes/a.json"}


@pytest.mark.parametrize(
    ("operator", "key", "expected", "holds"),
    [
        pytest.param("Bool", "aws:SecureTransport", "false", False, id="tls-only-deny-skips-tls"),
        pytest.param("StringLike", "s3:prefix", ["deployments/*", "routes/*"], True, id="like"),
        pytest.param("StringLike", "s3:prefix", "cache/*", False, id="like-other-prefix"),
        pytest.param("Null", "s3:if-none-match", "true", True, id="null-absent-key"),
        pytest.param("Null", "s3:prefix", "true", False, id="null-present-key"),
        pytest.param("ArnEquals", "ecs:cluster", "arn:aws:ecs:x", False, id="missing-key-fails"),
        pytest.param(
            "StringEqualsIfExists", "ecs:cluster", "arn:aws:ecs:x", True, id="if-exists-missing"
        ),
        pytest.param("NumericLessThan", "s3:TlsVersion", "1.2", False, id="missing-number"),
    ],
)
def test_conditions_hold_as_iam_evaluates_them(
    operator: str, key: str, expected: str | list[str], holds: bool
) -> None:
    assert condition_holds(operator, key, expected, REQUEST) is holds


def test_an_unknown_condition_operator_is_refused_loudly() -> None:
    with pytest.raises(KeyError):
        condition_holds("DateLessThan", "aws:CurrentTime", "2020-01-01", REQUEST)


def test_an_assumed_role_session_is_its_role_in_a_trust_policy() -> None:
    session = "arn:aws:sts::123456789012:assumed-role/slipway-api-1/build"
    assert role_of_session(session) == "arn:aws:iam::123456789012:role/slipway-api-1"
    assert role_of_session("arn:aws:iam::123456789012:user/op") == (
        "arn:aws:iam::123456789012:user/op"
    )


ROLE = Credentials("ASIAROLE", "role-secret", "role-token")


def test_a_container_gets_the_overrides_over_its_definition_and_no_role_under_own_keys() -> None:
    env = container_environment(
        base={"PATH": "/bin"},
        definition=[{"name": "A", "value": "definition"}, {"name": "B", "value": "definition"}],
        secrets={"SLIPWAY_GIT_TOKEN": "secret"},
        overrides=[
            {"name": "B", "value": "override"},
            {"name": "AWS_ACCESS_KEY_ID", "value": "ASIABUILD"},
            {"name": "AWS_SECRET_ACCESS_KEY", "value": "build-secret"},
            {"name": "AWS_SESSION_TOKEN", "value": "build-token"},
        ],
        local={},
        task_role=ROLE,
    )
    assert env["A"] == "definition"
    assert env["B"] == "override"
    assert env["SLIPWAY_GIT_TOKEN"] == "secret"
    assert Credentials.from_environment(env) == Credentials(
        "ASIABUILD", "build-secret", "build-token"
    )


def test_a_container_without_credentials_of_its_own_gets_its_task_role() -> None:
    env = container_environment(
        base={}, definition=[], secrets={}, overrides=[], local={"X": "local"}, task_role=ROLE
    )
    assert Credentials.from_environment(env) == ROLE
    assert env["X"] == "local"


def test_the_images_run_what_their_dockerfiles_say() -> None:
    assert dockerfile_command(ROOT / "build_runner" / "Dockerfile") == (
        ["python", "-m", "build_runner"],
        [],
    )
    assert dockerfile_command(ROOT / "Dockerfile") == ([], ["python", "-m", "services.api"])


def test_an_ecr_image_names_its_region_repository_and_tag() -> None:
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway-example/builder:0123abc"
    assert split_image(image) == ("eu-west-1", "slipway-example/builder", "0123abc")


def test_alb_host_conditions_take_wildcards_and_ignore_case() -> None:
    rule = Rule(100, ("*.sites.example.com", "www.example.org"), "tg")
    assert rule.matches("Hello.Sites.Example.com")
    assert rule.matches("www.example.org")
    assert not rule.matches("sites.example.com")
    assert not rule.matches("api.example.org")
