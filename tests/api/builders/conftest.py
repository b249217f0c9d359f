"""An ECS cluster, network and builder task definition on the moto server."""

from __future__ import annotations

import uuid

import boto3
import pytest

from services.core.settings import Settings


@pytest.fixture
def ecs_settings(moto_endpoint: str) -> Settings:
    """A cluster, network and builder task definition on the moto server."""
    region = "us-east-1"
    ec2 = boto3.client("ec2", endpoint_url=moto_endpoint, region_name=region)
    ecs = boto3.client("ecs", endpoint_url=moto_endpoint, region_name=region)
    logs = boto3.client("logs", endpoint_url=moto_endpoint, region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName=f"b-{uuid.uuid4().hex[:6]}", Description="b", VpcId=vpc
    )
    cluster = f"c-{uuid.uuid4().hex[:8]}"
    ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    family = f"builder-{uuid.uuid4().hex[:6]}"
    ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="1024",
        memory="2048",
        containerDefinitions=[
            {
                "name": "builder",
                "image": "builder:1",
                "cpu": 1024,
                "memory": 2048,
                "essential": True,
            }
        ],
    )
    log_group = f"/slipway/{family}"
    logs.create_log_group(logGroupName=log_group)
    return Settings(
        _env_file=None,
        builder="ecs",
        ecs_cluster=cluster,
        ecs_builder_task_family=family,
        ecs_subnets=subnet,
        ecs_security_groups=group["GroupId"],
        ecs_builder_log_group=log_group,
        aws_region=region,
        aws_endpoint_url=moto_endpoint,
    )
