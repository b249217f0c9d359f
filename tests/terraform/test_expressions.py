"""The modules' own expressions, evaluated by Terraform with test values."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.terraform.iam_render import evaluate
from tests.terraform.tfconfig import MODULES, load_cached

FARGATE_VALID = [(256, 512), (256, 2048), (512, 4096), (1024, 2048), (1024, 8192),
                 (2048, 16384), (4096, 30720), (8192, 61440), (16384, 122880)]  # fmt: skip
FARGATE_INVALID = [(256, 4096), (512, 512), (1024, 1024), (1024, 9216), (2048, 2048),
                   (8192, 18432), (300, 1024), (16384, 32000)]  # fmt: skip


def precondition(module: str, resource: tuple[str, str]) -> str:
    body = load_cached(MODULES / module).resources[resource]
    (lifecycle,) = body["lifecycle"]
    return next(p["condition"] for p in lifecycle["precondition"] if "var.memory" in p["condition"])


def test_fargate_size_precondition(tmp_path: Path) -> None:
    condition = precondition("task_definition", ("aws_ecs_task_definition", "this"))
    per_pair = re.sub(r"var\.(cpu|memory)", r"c.\1", condition[2:-1])
    pairs = [{"cpu": c, "memory": m} for c, m in FARGATE_VALID + FARGATE_INVALID]
    module = load_cached(MODULES / "task_definition")
    # The size table alone: the container locals are beyond what the scratch copy can parse.
    config = replace(module, locals={"fargate_memory": module.locals["fargate_memory"]})
    out = evaluate(
        config,
        {"containers": [{"name": "c", "image": "i"}]},
        {},
        {"pairs": pairs, "ok": f"${{[for c in {_hcl(pairs)} : {per_pair}]}}"},
        tmp_path,
    )
    results = dict(zip([(p["cpu"], p["memory"]) for p in pairs], out["ok"], strict=True))
    assert [pair for pair in FARGATE_VALID if not results[pair]] == []
    assert [pair for pair in FARGATE_INVALID if results[pair]] == []


def _hcl(pairs: list[dict[str, int]]) -> str:
    return "[" + ", ".join(f"{{cpu = {p['cpu']}, memory = {p['memory']}}}" for p in pairs) + "]"


def test_service_splits_hosts_into_rules_of_five(tmp_path: Path) -> None:
    hosts = ["*.sites.example.com"] + [f"www.site{i}.org" for i in range(11)]
    sidecar = {
        "name": "api",
        "port": 8000,
        "command": ["python", "-m", "services.api"],
        "host_headers": ["api.sites.example.com"],
        "listener_priority": 10,
        "vpc_egress_ports": [5432],
    }
    out = evaluate(
        load_cached(MODULES / "service"),
        {
            "host_headers": hosts,
            "listener_priority": 100,
            "container_name": "proxy",
            "container_port": 8080,
            "cluster_arn": "arn:aws:ecs:eu-west-1:1:cluster/slipway",
            "sidecar": sidecar,
        },
        {},
        {
            "rules": "${local.listener_rules}",
            "ports": "${local.vpc_egress_ports}",
            "cluster": "${local.cluster_name}",
        },
        tmp_path,
    )
    rules = out["rules"]
    # The main route keeps its old keys; the sidecar's rules have their own.
    assert sorted(rules) == ["0", "1", "2", "sidecar-0"]
    assert [h for k in ("0", "1", "2") for h in rules[k]["hosts"]] == hosts
    assert all(len(rule["hosts"]) <= 5 for rule in rules.values())
    assert [rules[k]["priority"] for k in ("0", "1", "2", "sidecar-0")] == [100, 101, 102, 10]
    assert rules["sidecar-0"] == {
        "key": "sidecar-0", "route": "sidecar", "hosts": ["api.sites.example.com"], "priority": 10
    }  # fmt: skip
    assert out["ports"] == [5432]
    assert out["cluster"] == "slipway"


@pytest.mark.parametrize(
    ("cidr", "az_count"), [("10.40.0.0/16", 2), ("10.40.0.0/16", 4), ("192.168.8.0/24", 3)]
)
def test_network_subnets_fit_and_do_not_overlap(cidr: str, az_count: int, tmp_path: Path) -> None:
    zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"]
    out = evaluate(
        load_cached(MODULES / "network"),
        {"cidr_block": cidr, "az_count": az_count},
        {"data.aws_availability_zones.available.names": zones},
        {
            "public": "${local.public_cidrs}",
            "private": "${local.private_cidrs}",
            "azs": "${local.azs}",
        },
        tmp_path,
    )
    vpc = ipaddress.ip_network(cidr)
    subnets = [ipaddress.ip_network(s) for s in out["public"] + out["private"]]
    assert len(out["public"]) == len(out["private"]) == az_count
    assert out["azs"] == zones[:az_count]
    assert all(s.subnet_of(vpc) for s in subnets)
    assert not any(a.overlaps(b) for i, a in enumerate(subnets) for b in subnets[i + 1 :])
