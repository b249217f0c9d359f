output "family" {
  description = "Task definition family."
  value       = aws_ecs_task_definition.this.family
}

output "first_revision_arn" {
  description = "ARN of the revision Terraform registered."
  value       = aws_ecs_task_definition.this.arn
}

output "request" {
  description = "The RegisterTaskDefinition request (ECS API names) that Terraform registered and each release registers again with its own image tag."
  value       = local.request
}
