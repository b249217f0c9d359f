"""Choices that keep an apply from failing half-way and tell operators when the platform is down."""

from __future__ import annotations

from typing import Any

import pytest

from tests.terraform.iam_render import evaluate
from tests.terraform.tfconfig import MODULES, STACK, load_cached


def test_only_regular_availability_zones_are_picked() -> None:
    zones = load_cached(MODULES / "network").data[("aws_availability_zones", "available")]
    assert zones["state"] == "available"
    assert zones["filter"] == [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]


def test_target_groups_can_be_replaced() -> None:
    group = load_cached(MODULES / "service").resources[("aws_lb_target_group", "this")]
    assert "name" not in group, "a fixed name keeps a replacement from being created first"
    assert group["name_prefix"]
    (lifecycle,) = group["lifecycle"]
    assert lifecycle["create_before_destroy"] is True


def test_the_ecs_service_linked_role_is_created_unless_the_operator_says_it_exists() -> None:
    cluster = load_cached(MODULES / "cluster")
    role = cluster.resources[("aws_iam_service_linked_role", "ecs")]
    assert role["aws_service_name"] == "ecs.amazonaws.com"
    assert cluster.variables["create_service_linked_role"]["default"] is True
    stack = load_cached(STACK)
    assert stack.variables["create_ecs_service_linked_role"]["default"] is True
    assert (
        stack.modules["cluster"]["create_service_linked_role"]
        == "${var.create_ecs_service_linked_role}"
    )


def test_every_alarm_notifies_the_topic_when_it_fires_and_when_it_clears() -> None:
    alarms = load_cached(MODULES / "alarms")
    assert alarms.locals["actions"] == ["${aws_sns_topic.this.arn}"]
    metric_alarms = {
        n: b for (t, n), b in alarms.resources.items() if t == "aws_cloudwatch_metric_alarm"
    }
    assert set(metric_alarms) == {"this", "tasks_below_desired"}
    for name, body in metric_alarms.items():
        assert body["alarm_actions"] == "${local.actions}", name
        assert body["ok_actions"] == "${local.actions}", name


@pytest.fixture(scope="module")
def alarm_table(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The module's single-metric alarms, rendered by Terraform with test values."""
    variables = {
        "name": "slipway-alarms",
        "load_balancer_arn_suffix": "app/slipway/0123456789abcdef",
        "target_groups": {"api": "targetgroup/api-1/aa", "proxy": "targetgroup/proxy-1/bb"},
        "cluster_name": "slipway",
        "services": {"api": "slipway-api", "proxy": "slipway-proxy"},
        "db_instance_identifier": "slipway-db",
        "thresholds": {
            "alb_5xx_per_5_minutes": 10,
            "target_5xx_per_5_minutes": 10,
            "platform_build_failures_per_30_minutes": 3,
            "database_cpu_percent": 90,
            "database_free_storage_gb": 2,
        },
    }
    fixtures = {"aws_sns_topic.this.arn": "arn:aws:sns:eu-west-1:123456789012:slipway-alarms"}
    outputs = {"table": "${local.metric_alarms}"}
    workdir = tmp_path_factory.mktemp("alarms")
    table: dict[str, Any] = evaluate(
        load_cached(MODULES / "alarms"), variables, fixtures, outputs, workdir
    )["table"]
    return table


def test_every_target_group_and_the_database_get_their_alarms(alarm_table: dict[str, Any]) -> None:
    assert set(alarm_table) == {
        "alb-5xx", "api-5xx", "proxy-5xx", "api-unhealthy-targets",
        "proxy-unhealthy-targets", "database-cpu", "database-storage",
        "platform-build-failures",
    }  # fmt: skip
    assert alarm_table["proxy-unhealthy-targets"]["dimensions"] == {
        "LoadBalancer": "app/slipway/0123456789abcdef",
        "TargetGroup": "targetgroup/proxy-1/bb",
    }
    assert alarm_table["database-storage"]["threshold"] == 2 * 1024**3
    # The filters of this stack's api log count into this stack's own namespace.
    assert alarm_table["platform-build-failures"]["namespace"] == "Slipway/slipway-alarms"
    assert alarm_table["platform-build-failures"]["threshold"] == 3


def test_a_silent_database_raises_its_alarm_and_quiet_traffic_does_not(
    alarm_table: dict[str, Any],
) -> None:
    assert alarm_table["database-cpu"]["missing"] == "breaching"
    others = {name: a["missing"] for name, a in alarm_table.items() if name != "database-cpu"}
    assert set(others.values()) == {"notBreaching"}, others


def test_the_stack_watches_both_services_under_fixed_names() -> None:
    call = load_cached(STACK).modules["alarms"]
    assert call["target_groups"] == {
        "api": "${local.api_runs_in.target_group_arn_suffix}",
        "proxy": "${module.proxy.target_group_arn_suffix}",
    }
    assert call["services"] == "${local.services}"
