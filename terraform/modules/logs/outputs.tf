# Whoever writes logs here (the ALB, VPC flow logs, S3 server access logging) is checked
# against the bucket policy when it is configured: AWS refuses an ALB or a flow log whose
# bucket does not yet admit the log service ("Access Denied for bucket"). Both outputs
# therefore become available only once the policy and the ownership setting are in place.
output "bucket" {
  description = "Name of the log bucket (available once its policy admits the log services)."
  value       = aws_s3_bucket.this.bucket

  depends_on = [aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}

output "arn" {
  description = "ARN of the log bucket (available once its policy admits the log services)."
  value       = aws_s3_bucket.this.arn

  depends_on = [aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}
