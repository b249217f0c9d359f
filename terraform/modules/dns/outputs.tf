output "certificate_arn" {
  description = "ARN of the validated certificate (available once validation has finished)."
  value       = aws_acm_certificate_validation.this.certificate_arn
}

output "record_names" {
  description = "Names of the records pointing at the ALB."
  value       = sort([for r in aws_route53_record.alb : r.name])
}
