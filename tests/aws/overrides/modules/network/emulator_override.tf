# Test-only (tests/aws): moto takes an S3 flow-log destination's key prefix for part of the
# bucket name ("LogDestination: <bucket>/flow-logs/ does not exist"). The flow log is applied
# to the bucket itself; the prefix is planned with the mocked provider.
resource "aws_flow_log" "this" {
  log_destination = var.flow_log_bucket_arn
}
