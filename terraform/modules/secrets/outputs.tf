output "arns" {
  description = "Secret ARN by name: webhook, api_token, github_token."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}
