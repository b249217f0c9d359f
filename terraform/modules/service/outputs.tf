output "service_name" {
  description = "Name of the ECS service."
  value       = aws_ecs_service.this.name
}

output "task_family" {
  description = "Task definition family of the service."
  value       = module.task_definition.family
}

output "task_definition" {
  description = "The RegisterTaskDefinition request of the service's task definition, which each release registers with its own image tag."
  value       = module.task_definition.request
}

output "container_name" {
  description = "Name of the container the load balancer targets."
  value       = var.container_name
}

output "container_port" {
  description = "Port of the container the load balancer targets."
  value       = var.container_port
}

output "log_group" {
  description = "Name of the service's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the service's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "security_group_id" {
  description = "Security group of the service's tasks."
  value       = aws_security_group.this.id
}

output "target_group_arn" {
  description = "ARN of the service's target group."
  value       = aws_lb_target_group.this["main"].arn
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the service's target group (the TargetGroup dimension of its CloudWatch metrics)."
  value       = aws_lb_target_group.this["main"].arn_suffix
}

output "sidecar_target_group_arn_suffix" {
  description = "ARN suffix of the sidecar's target group (CloudWatch dimension), or null without a sidecar."
  value       = try(aws_lb_target_group.this["sidecar"].arn_suffix, null)
}

output "listener_rule_hosts" {
  description = "Host names of each listener rule, by rule key."
  value       = { for key, rule in local.listener_rules : key => rule.hosts }
}
