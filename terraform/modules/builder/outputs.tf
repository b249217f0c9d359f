output "task_family" {
  description = "Task definition family of build tasks."
  value       = module.task_definition.family
}

output "task_definition_arn" {
  description = "ARN of the first task definition revision."
  value       = module.task_definition.first_revision_arn
}

output "container_name" {
  description = "Name of the build container."
  value       = local.container_name
}

output "log_stream_prefix" {
  description = "awslogs stream prefix: a build's stream is <prefix>/<container>/<task id>."
  value       = local.log_stream_prefix
}

output "task_role_arn" {
  description = "Role of the build task: no permissions (builds publish with per-build credentials)."
  value       = aws_iam_role.task.arn
}

output "publisher_role_arn" {
  description = "Role the api assumes per build, with a session policy, for the build's storage credentials."
  value       = aws_iam_role.publisher.arn
}

output "execution_role_arn" {
  description = "Role ECS uses to start builds."
  value       = aws_iam_role.execution.arn
}

output "log_group" {
  description = "Name of the build log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the build log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "security_group_id" {
  description = "Security group of build tasks."
  value       = aws_security_group.this.id
}

output "task_definition" {
  description = "The RegisterTaskDefinition request of build tasks, which each release registers with its own image tag."
  value       = module.task_definition.request
}
