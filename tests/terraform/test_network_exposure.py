"""Who can reach what: security groups as written in the modules and wired by the stack."""

from __future__ import annotations

from tests.terraform.tfconfig import MODULES, STACK, load_cached

INGRESS = "aws_vpc_security_group_ingress_rule"
EGRESS = "aws_vpc_security_group_egress_rule"


def rules(module: str, kind: str) -> dict[str, dict]:
    config = load_cached(MODULES / module)
    return {name: body for (rtype, name), body in config.resources.items() if rtype == kind}


def test_no_module_uses_inline_or_legacy_rules() -> None:
    for module in ("edge", "service", "builder", "database", "network"):
        config = load_cached(MODULES / module)
        types = {rtype for rtype, _ in config.resources}
        assert "aws_security_group_rule" not in types, module
        for (rtype, _), body in config.resources.items():
            if rtype == "aws_security_group":
                assert "ingress" not in body, f"{module}: inline ingress"
                assert "egress" not in body, f"{module}: inline egress"


def test_service_tasks_admit_only_the_alb_on_the_container_port() -> None:
    ingress = rules("service", INGRESS)
    assert list(ingress) == ["alb"]
    rule = ingress["alb"]
    assert rule["referenced_security_group_id"] == "${var.alb_security_group_id}"
    assert "cidr_ipv4" not in rule
    # One rule per route (the main container's port and a sidecar's, if any).
    assert rule["for_each"] == "${local.routes}"
    assert rule["from_port"] == rule["to_port"] == "${each.value.port}"
    routes = load_cached(MODULES / "service").locals["routes"]
    assert "var.container_port" in routes
    assert "c.port" in routes


def test_builds_admit_nothing_and_send_only_on_listed_ports() -> None:
    assert rules("builder", INGRESS) == {}
    (egress,) = rules("builder", EGRESS).values()
    assert egress["ip_protocol"] == "tcp"
    assert egress["from_port"] == egress["to_port"]
    builder = load_cached(MODULES / "builder")
    assert builder.variables["egress_ports"]["default"] == [443]


def test_database_admits_only_the_api_service() -> None:
    ingress = rules("database", INGRESS)
    assert list(ingress) == ["this"]
    assert ingress["this"]["referenced_security_group_id"] == "${each.value}"
    assert ingress["this"]["from_port"] == ingress["this"]["to_port"] == 5432
    stack = load_cached(STACK)
    # The api's own group, or the proxy's when the api runs beside it.
    assert stack.modules["database"]["allowed_security_groups"] == {
        "api": "${local.api_runs_in.security_group_id}"
    }
    runs_in = stack.locals["api_runs_in"]["security_group_id"]
    assert runs_in == (
        "${coalesce(one(module.api[*].security_group_id), module.proxy.security_group_id)}"
    )
    assert stack.modules["database"]["subnet_ids"] == "${module.network.private_subnet_ids}"
    db = load_cached(MODULES / "database").resources[("aws_db_instance", "this")]
    assert db["publicly_accessible"] is False
    assert db["storage_encrypted"] is True
    assert db["manage_master_user_password"] is True


def test_only_the_api_may_reach_the_database_port() -> None:
    stack = load_cached(STACK)
    assert stack.modules["api"]["vpc_egress_ports"] == [5432]
    assert "vpc_egress_ports" not in stack.modules["proxy"]


def test_alb_is_the_only_public_listener() -> None:
    ingress = rules("edge", INGRESS)
    assert sorted(ingress) == ["http", "https"]
    assert {rule["from_port"] for rule in ingress.values()} == {80, 443}
    alb = load_cached(MODULES / "edge").resources[("aws_lb", "this")]
    assert alb["drop_invalid_header_fields"] is True
    listener = load_cached(MODULES / "edge").resources[("aws_lb_listener", "http")]
    (action,) = listener["default_action"]
    assert action["type"] == "redirect"
    assert action["redirect"][0]["protocol"] == "HTTPS"


def test_tasks_get_public_ips_only_without_nat() -> None:
    stack = load_cached(STACK)
    assert stack.locals["assign_public_ip"] == "${!var.enable_nat}"
    for call in ("api", "proxy"):
        assert stack.modules[call]["assign_public_ip"] == "${local.assign_public_ip}"
        assert stack.modules[call]["subnet_ids"] == "${local.task_subnet_ids}"
    network = load_cached(MODULES / "network").resources[("aws_subnet", "public")]
    assert network["map_public_ip_on_launch"] is False


def test_services_ignore_task_definition_and_count_changes() -> None:
    service = load_cached(MODULES / "service").resources[("aws_ecs_service", "this")]
    (lifecycle,) = service["lifecycle"]
    ignored = {item.strip("${}") for item in lifecycle["ignore_changes"]}
    assert ignored >= {"task_definition", "desired_count"}
    assert service["deployment_circuit_breaker"] == [{"enable": True, "rollback": True}]
