output "execution_role_arn" {
  description = "Execution role of the api and proxy tasks."
  value       = aws_iam_role.execution.arn
}

output "api_role_arn" {
  description = "Task role of the api service."
  value       = aws_iam_role.api.arn
}

output "proxy_role_arn" {
  description = "Task role of the proxy service."
  value       = aws_iam_role.proxy.arn
}
