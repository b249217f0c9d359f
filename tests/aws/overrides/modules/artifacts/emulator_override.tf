# Test-only (tests/aws): moto's PutBucketLogging fails (HTTP 500) on a target bucket whose
# policy names the principal "*" as a string, as the log bucket's TLS-only statement does.
# Access logging is planned with the mocked provider and validated; here it is left out.
resource "aws_s3_bucket_logging" "this" {
  count = 0
}
