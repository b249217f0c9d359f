# The build task definition request with a mocked AWS provider: `terraform test` in
# modules/builder (tests/terraform/test_plan.py runs it). The release registers this
# request with its image tag; its architecture must be the environment's images.platform.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name                        = "slipway-builder"
  vpc_id                      = "vpc-0123456789abcdef0"
  image                       = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/builder:bootstrap"
  repository_arn              = "arn:aws:ecr:eu-west-1:123456789012:repository/slipway/builder"
  artifacts_bucket_arn        = "arn:aws:s3:::slipway-artifacts-123456789012"
  github_token_secret_arn     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slipway/github-token-AbCdEf"
  publisher_trusted_role_arns = ["arn:aws:iam::123456789012:role/slipway-api"]
}

run "x86_64_unless_told" {
  command = plan

  assert {
    condition     = output.task_definition.runtimePlatform.cpuArchitecture == "X86_64"
    error_message = "Builds run on X86_64 by default."
  }
}

run "arm64_when_told" {
  command = plan

  variables {
    cpu_architecture = "ARM64"
  }

  assert {
    condition     = output.task_definition.runtimePlatform.cpuArchitecture == "ARM64"
    error_message = "cpu_architecture reaches the build task definition."
  }
}
