output "region" {
  description = "AWS region of the platform."
  value       = var.region
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = module.cluster.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = module.cluster.arn
}

output "api_service_name" {
  description = "Name of the ECS service the api runs in (the proxy's when api_beside_proxy)."
  value       = local.api_runs_in.service_name
}

output "proxy_service_name" {
  description = "Name of the proxy ECS service."
  value       = module.proxy.service_name
}

output "api_task_family" {
  description = "Task definition family the api runs in (the proxy's when api_beside_proxy)."
  value       = local.api_runs_in.task_family
}

output "proxy_task_family" {
  description = "Task definition family of the proxy service."
  value       = module.proxy.task_family
}

output "builder_publisher_role_arn" {
  description = "Role the api assumes per build for that build's scoped storage credentials."
  value       = module.builder.publisher_role_arn
}

output "builder_task_family" {
  description = "Task definition family of build tasks."
  value       = module.builder.task_family
}

output "api_container_name" {
  description = "Container name the api task definition must use (the load balancer targets it)."
  value       = "api"
}

output "proxy_container_name" {
  description = "Container name the proxy task definition must use (the load balancer targets it)."
  value       = module.proxy.container_name
}

output "builder_container_name" {
  description = "Container name of the builder task definition."
  value       = module.builder.container_name
}

output "api_port" {
  description = "Container port of the api service."
  value       = 8000
}

output "proxy_port" {
  description = "Container port of the proxy service."
  value       = module.proxy.container_port
}

output "services_repository_url" {
  description = "ECR repository URL of the services image (api and proxy)."
  value       = module.registry.repository_urls["services"]
}

output "builder_repository_url" {
  description = "ECR repository URL of the builder image."
  value       = module.registry.repository_urls["builder"]
}

output "artifacts_bucket" {
  description = "Name of the artifacts bucket (deployments/, routes/, cache/)."
  value       = module.artifacts.bucket
}

output "alb_dns_name" {
  description = "DNS name of the ALB; point api.<base_domain> and *.<base_domain> at it when DNS is not managed here."
  value       = module.edge.dns_name
}

output "api_url" {
  description = "Public URL of the api service."
  value       = "https://${local.api_host}"
}

output "base_domain" {
  description = "Domain the sites are served under."
  value       = var.base_domain
}

output "task_execution_role_arn" {
  description = "Execution role of the api and proxy tasks (image pull, logs, secret injection)."
  value       = module.task_roles.execution_role_arn
}

output "api_task_role_arn" {
  description = "Task role of the api service."
  value       = module.task_roles.api_role_arn
}

output "proxy_task_role_arn" {
  description = "Task role of the proxy service."
  value       = module.task_roles.proxy_role_arn
}

output "builder_task_role_arn" {
  description = "Task role of build tasks."
  value       = module.builder.task_role_arn
}

output "builder_execution_role_arn" {
  description = "Execution role of build tasks (builder image pull, build logs, the GitHub token only)."
  value       = module.builder.execution_role_arn
}

output "api_log_group" {
  description = "CloudWatch log group of the api (the proxy's when api_beside_proxy; streams api/...)."
  value       = local.api_runs_in.log_group
}

output "proxy_log_group" {
  description = "CloudWatch log group of the proxy service."
  value       = module.proxy.log_group
}

output "builder_log_group" {
  description = "CloudWatch log group of build tasks."
  value       = module.builder.log_group
}

output "builder_subnet_ids" {
  description = "Subnets build tasks run in (public when NAT is off, private when on)."
  value       = local.task_subnet_ids
}

output "builder_assign_public_ip" {
  description = "Whether build tasks need a public IP (true when NAT is off)."
  value       = !var.enable_nat
}

output "builder_security_group_id" {
  description = "Security group of build tasks (egress only)."
  value       = module.builder.security_group_id
}

output "database_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the database master username and password."
  value       = module.database.master_secret_arn
}

output "database_endpoint" {
  description = "Host name of the database."
  value       = module.database.address
}

output "database_port" {
  description = "Port of the database."
  value       = module.database.port
}

output "database_name" {
  description = "Name of the application database."
  value       = module.database.db_name
}

output "webhook_secret_arn" {
  description = "Secrets Manager ARN of the GitHub webhook secret."
  value       = module.secrets.arns["webhook"]
}

output "api_token_secret_arn" {
  description = "Secrets Manager ARN of the api bearer token."
  value       = module.secrets.arns["api_token"]
}

output "github_token_secret_arn" {
  description = "Secrets Manager ARN of the GitHub token (set its value yourself)."
  value       = module.secrets.arns["github_token"]
}

output "alarm_topic_arn" {
  description = "SNS topic every platform alarm notifies."
  value       = module.alarms.topic_arn
}

output "task_definitions" {
  description = "RegisterTaskDefinition requests of the api, proxy and builder families: what Terraform registered first and what `make release` registers with its image tag."
  value = merge(
    { proxy = module.proxy.task_definition, builder = module.builder.task_definition },
    var.api_beside_proxy ? {} : { api = one(module.api[*].task_definition) },
  )
}

output "services" {
  description = "The ECS services a release moves, by the key of the task definition each runs in task_definitions (api and proxy; only proxy when the api runs beside it)."
  value       = local.services
}
