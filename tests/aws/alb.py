"""The ALB's HTTPS listener, played on loopback from the rules Terraform made in the emulator.

An httpx transport: a request to `https://<host>/…` goes where the ALB would send it. The
listener on 443 is read from the emulator's ELBv2 once: its rules in priority order
(host-header conditions, forward to a target group), its default action. A target group
belongs to the ECS service that names it, and the service's process (tests.aws.fargate)
answers on a loopback port; the request reaches it over plain HTTP with the ALB's
X-Forwarded-* headers. No rule, the listener's fixed response; no healthy target, 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import httpx

from tests.aws.fargate import Fargate


@dataclass(frozen=True)
class Rule:
    priority: int
    hosts: tuple[str, ...]
    target_group: str

    def matches(self, host: str) -> bool:
        # Host conditions are case-insensitive and take * and ? wildcards.
        return any(fnmatchcase(host.lower(), pattern.lower()) for pattern in self.hosts)


def listener_rules(elbv2: Any, dns_name: str) -> tuple[list[Rule], int]:
    """The HTTPS listener's forwarding rules by priority, and its default status code."""
    (balancer,) = [
        b for b in elbv2.describe_load_balancers()["LoadBalancers"] if b["DNSName"] == dns_name
    ]
    listeners = elbv2.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])
    (https,) = [listener for listener in listeners["Listeners"] if listener["Port"] == 443]
    rules, default = [], 404
    for rule in elbv2.describe_rules(ListenerArn=https["ListenerArn"])["Rules"]:
        (action,) = rule["Actions"]
        if rule["IsDefault"]:
            default = int(action.get("FixedResponseConfig", {}).get("StatusCode", default))
            continue
        hosts = tuple(
            value
            for condition in rule["Conditions"]
            if condition["Field"] == "host-header"
            for value in condition.get("HostHeaderConfig", {}).get("Values", [])
        )
        rules.append(Rule(int(rule["Priority"]), hosts, action["TargetGroupArn"]))
    return sorted(rules, key=lambda r: r.priority), default


class StandInAlb(httpx.BaseTransport):
    def __init__(
        self, *, elbv2: Any, ecs: Any, cluster: str, dns_name: str, fargate: Fargate
    ) -> None:
        self._rules, self._default = listener_rules(elbv2, dns_name)
        services = ecs.describe_services(
            cluster=cluster, services=ecs.list_services(cluster=cluster)["serviceArns"]
        )
        self._services = {
            balancer["targetGroupArn"]: service["serviceName"]
            for service in services["services"]
            for balancer in service.get("loadBalancers", [])
        }
        self._fargate = fargate
        self._upstream = httpx.HTTPTransport()

    def service_for(self, host: str) -> str | None:
        for rule in self._rules:
            if rule.matches(host):
                return self._services.get(rule.target_group)
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        service = self.service_for(host)
        if service is None:
            return httpx.Response(self._default, request=request)
        port = self._fargate.port_of(service)
        if port is None:
            return httpx.Response(503, text=f"no healthy target of {service}", request=request)
        headers = dict(request.headers)
        headers.update(
            {"x-forwarded-proto": request.url.scheme, "x-forwarded-for": "127.0.0.1", "host": host}
        )
        forward = httpx.Request(
            request.method,
            request.url.copy_with(scheme="http", host="127.0.0.1", port=port),
            headers=headers,
            content=request.read(),
        )
        # The client hands the response back to its caller as the answer to `request`.
        return self._upstream.handle_request(forward)

    def close(self) -> None:
        self._upstream.close()
