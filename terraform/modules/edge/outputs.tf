output "arn" {
  description = "ARN of the ALB."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the ALB, for CloudWatch metrics and request-count scaling."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "DNS name of the ALB."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route53 zone ID of the ALB, for alias records."
  value       = aws_lb.this.zone_id
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener the services attach their rules to."
  value       = aws_lb_listener.https.arn
}

output "security_group_id" {
  description = "Security group of the ALB."
  value       = aws_security_group.this.id
}
