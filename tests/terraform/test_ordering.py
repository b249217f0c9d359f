"""What must exist before what, read from `terraform graph` of the stack.

AWS checks some things when a resource is created, not when it is planned: an ALB or a
flow log whose log bucket does not yet admit the log service is refused, and ECS cannot
create a service before its service-linked role exists. Terraform creates in parallel
whatever does not depend on something else, so these orders must be edges in the graph.
"""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.terraform.workspace import STACK_NAME, Workspace

_EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"')

Graph = dict[str, set[str]]


@pytest.fixture(scope="module")
def graph(workspace: Workspace, initialised: dict[str, subprocess.CompletedProcess[str]]) -> Graph:
    assert initialised[STACK_NAME].returncode == 0, initialised[STACK_NAME].stderr
    result = workspace.run(STACK_NAME, "graph")
    assert result.returncode == 0, result.stderr
    edges: Graph = {}
    for line in result.stdout.splitlines():
        if match := _EDGE.match(line):
            edges.setdefault(match[1], set()).add(match[2])
    return edges


def waits_for(graph: Graph, resource: str, prerequisite: str) -> bool:
    """Whether resource depends, directly or through others, on prerequisite."""
    seen, todo = set(), [resource]
    while todo:
        node = todo.pop()
        if node == prerequisite:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(graph.get(node, ()))
    return False


LOG_POLICY = "module.logs.aws_s3_bucket_policy.this"
ECS_ROLE = "module.cluster.aws_iam_service_linked_role.ecs"

ORDER = [
    pytest.param("module.edge.aws_lb.this", LOG_POLICY, id="alb-access-logs-after-log-bucket-policy"),
    pytest.param("module.network.aws_flow_log.this", LOG_POLICY, id="flow-logs-after-log-bucket-policy"),
    pytest.param("module.artifacts.aws_s3_bucket_logging.this", LOG_POLICY, id="s3-access-logs-after-log-bucket-policy"),
    pytest.param("module.api.aws_ecs_service.this", ECS_ROLE, id="api-service-after-ecs-role"),
    pytest.param("module.proxy.aws_ecs_service.this", ECS_ROLE, id="proxy-service-after-ecs-role"),
]  # fmt: skip


@pytest.mark.parametrize(("resource", "prerequisite"), ORDER)
def test_created_after(graph: Graph, resource: str, prerequisite: str) -> None:
    assert resource in graph, f"{resource} is not in the graph"
    assert waits_for(graph, resource, prerequisite)


def test_the_graph_does_not_order_everything(graph: Graph) -> None:
    # The check above means something only if unrelated resources stay unordered.
    assert not waits_for(graph, "module.edge.aws_lb.this", "module.database.aws_db_instance.this")
    assert not waits_for(graph, LOG_POLICY, "module.edge.aws_lb.this")
    assert waits_for(graph, "module.edge.aws_lb.this", "module.logs.aws_s3_bucket.this")
