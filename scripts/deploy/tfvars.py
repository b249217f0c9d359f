"""What Terraform reads for one environment: `<env>.tfvars.json` and the S3 backend file.

Both are written with `json.dumps` (a JSON string is also a valid HCL string), never by
templating HCL. Variable names follow terraform/stacks/platform/variables.tf.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scripts.deploy.environment import Environment, ServiceSize


def _service(size: ServiceSize) -> dict[str, int]:
    return {
        "cpu": size.cpu,
        "memory": size.memory,
        "desired_count": size.desired_count,
        "min_count": size.min_count,
        "max_count": size.max_count,
    }


def tfvars(env: Environment) -> dict[str, Any]:
    return {
        "region": env.aws.region,
        "name": env.resource_name,
        "base_domain": env.dns.base_domain,
        "custom_domains": list(env.dns.custom_domains),
        "route53_zone_id": env.dns.hosted_zone_id,
        "certificate_arn": env.dns.certificate_arn,
        "additional_certificate_arns": list(env.dns.additional_certificate_arns),
        "vpc_cidr": env.network.cidr,
        "az_count": env.network.az_count,
        "enable_nat": env.network.enable_nat,
        "enable_deletion_protection": env.deletion_protection,
        "enable_access_logs": env.access_logs,
        "log_retention_days": env.log_retention_days,
        "api": _service(env.services.api),
        "proxy": _service(env.services.proxy),
        "api_beside_proxy": env.services.api_beside_proxy,
        "builder": {
            "cpu": env.builder.cpu,
            "memory": env.builder.memory,
            "timeout_seconds": env.builder.timeout_seconds,
        },
        "database": {
            "instance_class": env.database.instance_class,
            "engine_version": env.database.engine_version,
            "allocated_storage": env.database.allocated_storage_gb,
            "max_allocated_storage": env.database.max_allocated_storage_gb,
            "multi_az": env.database.multi_az,
            "backup_retention_days": env.database.backup_retention_days,
        },
        "cpu_architecture": env.images.cpu_architecture,
        "image_retention_count": env.images.retention_count,
        "cache_expiration_days": env.cache_expiration_days,
        "enable_container_insights": env.container_insights,
        "alarm_email_addresses": list(env.alarms.emails),
        "alarm_topic_kms_key_arn": env.alarms.topic_kms_key_arn,
        "create_ecs_service_linked_role": env.ecs_service_linked_role == "create",
        "tags": {"Environment": env.name, **env.tags},
    }


def backend_config(env: Environment) -> dict[str, str | bool]:
    """S3 state with S3-native locking (`use_lockfile`, Terraform >= 1.10): no DynamoDB."""
    return {
        "bucket": env.state.bucket,
        "key": env.state_key,
        "region": env.state_region,
        "encrypt": True,
        "use_lockfile": True,
    }


def render_backend(config: dict[str, str | bool]) -> str:
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in config.items())


def write_terraform_inputs(env: Environment, directory: Path) -> tuple[Path, Path]:
    """Write the tfvars and backend files; answer their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    var_file = directory / f"{env.name}.tfvars.json"
    var_file.write_text(json.dumps(tfvars(env), indent=2, sort_keys=True) + "\n")
    backend_file = directory / "backend.s3.tfbackend"
    backend_file.write_text(render_backend(backend_config(env)))
    return var_file, backend_file
