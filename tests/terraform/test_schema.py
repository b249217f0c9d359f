"""Every resource and data source, argument and nested block exists in the AWS provider schema."""

from __future__ import annotations

import re

import pytest

from tests.terraform.schema_check import check_block
from tests.terraform.tfconfig import (
    ROOT,
    all_configs,
    aws_schema,
    expressions,
    strings,
    version_satisfies,
)

CONFIGS = {c.name: c for c in all_configs()}


# What tests/terraform/test_validate.py and test_plan.py run with (the mirror's 5.100) is
# the bottom of the range; this schema extract is the 6.x operators may upgrade to.
PROVIDER_CONSTRAINT = ">= 5.100, < 7"
# The S3 backend's native state locking (use_lockfile), which the deploy scripts pass.
TERRAFORM_CONSTRAINT = ">= 1.10"


def test_schema_extract_is_a_6x_provider_the_stack_admits() -> None:
    schema = aws_schema()
    assert schema["provider_version"].startswith("6.")
    assert version_satisfies(schema["provider_version"], PROVIDER_CONSTRAINT)
    assert len(schema["resource"]) > 1000
    assert len(schema["data"]) > 400


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_every_configuration_admits_the_same_terraform_and_provider_range(name: str) -> None:
    (terraform,) = CONFIGS[name].files["versions.tf"]["terraform"]
    assert terraform["required_version"] == TERRAFORM_CONSTRAINT
    (providers,) = terraform["required_providers"]
    assert providers["aws"] == {"source": "hashicorp/aws", "version": PROVIDER_CONSTRAINT}


def test_the_deploy_scripts_ask_for_the_terraform_the_code_needs() -> None:
    text = (ROOT / "scripts" / "deploy" / "terraform.py").read_text()
    minimum = re.search(r"^MINIMUM_VERSION = \((\d+), (\d+)\)", text, re.MULTILINE)
    assert minimum, "scripts/deploy/terraform.py no longer states MINIMUM_VERSION"
    assert f">= {minimum[1]}.{minimum[2]}" == TERRAFORM_CONSTRAINT


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        pytest.param("5.100.0", PROVIDER_CONSTRAINT, True, id="bottom"),
        pytest.param("6.66.0", PROVIDER_CONSTRAINT, True, id="six"),
        pytest.param("5.99.1", PROVIDER_CONSTRAINT, False, id="below"),
        pytest.param("7.0.0", PROVIDER_CONSTRAINT, False, id="seven"),
        pytest.param("1.11.4", TERRAFORM_CONSTRAINT, True, id="terraform"),
        pytest.param("1.9.8", TERRAFORM_CONSTRAINT, False, id="old-terraform"),
    ],
)
def test_version_constraints_are_read_right(version: str, constraint: str, expected: bool) -> None:
    assert version_satisfies(version, constraint) is expected


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_resources_and_arguments_exist_in_the_provider_schema(name: str) -> None:
    config = CONFIGS[name]
    schema = aws_schema()
    problems = []
    for (rtype, rname), body in config.resources.items():
        problems += check_block("resource", rtype, rname, body, schema)
    for (rtype, rname), body in config.data.items():
        problems += check_block("data", rtype, rname, body, schema)
    assert not problems, "\n".join(problems)


# The checker itself must reject what is wrong.
BAD = [
    pytest.param("resource", "aws_s3_bucket_frobnicator", {}, "does not exist", id="unknown-type"),
    pytest.param("resource", "aws_s3_bucket", {"buckett": "x"}, "unknown argument", id="typo-arg"),
    pytest.param(
        "resource", "aws_ecs_service", {"name": "x", "network_configuration": [{}]},
        "required argument 'subnets'", id="missing-nested-required",
    ),
    pytest.param(
        "resource", "aws_lb_listener_rule",
        {"listener_arn": "x", "action": [{"type": "forward"}]},
        "required block 'condition'", id="missing-required-block",
    ),
    pytest.param(
        "resource", "aws_lb", {"dynamic": [{"access_log": {"content": [{}]}}]},
        "dynamic block 'access_log'", id="unknown-dynamic",
    ),
    pytest.param("data", "aws_iam_policy_document", {"statements": []}, "unknown", id="data-arg"),
    pytest.param("resource", "aws_iam_role", {"name": "x"}, "assume_role_policy", id="required"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "rtype", "body", "expected"), BAD)
def test_checker_rejects_wrong_code(kind: str, rtype: str, body: dict, expected: str) -> None:
    problems = check_block(kind, rtype, "t", body, aws_schema())
    assert any(expected in p for p in problems), problems


def test_checker_accepts_meta_arguments_and_dynamic_blocks() -> None:
    body = {
        "count": 1,
        "lifecycle": [{"ignore_changes": ["tags"]}],
        "depends_on": ["aws_vpc.this"],
        "name": "x",
        "load_balancer_type": "application",
        "dynamic": [{"access_logs": {"for_each": "[]", "content": [{"bucket": "b"}]}}],
    }
    assert check_block("resource", "aws_lb", "t", body, aws_schema()) == []


_ATTRIBUTE_REF = re.compile(
    r"(?<![\w.])(data\.)?(aws_[a-z0-9_]+)\.([a-z_][a-z0-9_-]*)(?:\[[^\]]*\])?\.([a-z_][a-z0-9_]*)"
)


def attribute_problems(config_strings: list[str], schema: dict) -> list[str]:
    problems = []
    for text in config_strings:
        for expr in expressions(text):
            for data, rtype, rname, attr in _ATTRIBUTE_REF.findall(expr):
                section = schema["data" if data else "resource"].get(rtype)
                if section is None:
                    problems.append(f"{data}{rtype}.{rname}: no such type")
                    continue
                known = {*section.get("required", []), *section.get("optional", [])}
                known |= {*section.get("blocks", {}), *section.get("computed", [])}
                if attr not in known:
                    problems.append(f"{data}{rtype}.{rname}.{attr}: no such attribute")
    return problems


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_referenced_attributes_exist(name: str) -> None:
    texts = [s for parsed in CONFIGS[name].files.values() for s in strings(parsed)]
    problems = attribute_problems(texts, aws_schema())
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(
    "text",
    [
        "${aws_lb.this.dns_names}",
        "${data.aws_region.current.nmae}",
        "${aws_db_instance.this.master_user_secrets[0].secret_arn}",
        "${aws_eip.nat[0].public_ipv4}",
    ],
)
def test_attribute_check_rejects_typos(text: str) -> None:
    assert attribute_problems([text], aws_schema())


def test_attribute_check_accepts_real_attributes() -> None:
    texts = [
        "${aws_lb.this.arn_suffix}",
        "${data.aws_region.current.region}",
        "${aws_db_instance.this.master_user_secret[0].secret_arn}",
        "${[for r in aws_route53_record.validation : r.fqdn]}",
        "${data.aws_iam_policy_document.elb_account[*].json}",
    ]
    assert attribute_problems(texts, aws_schema()) == []
