# The task definition request with a mocked AWS provider: `terraform test` in
# modules/service (tests/terraform/test_plan.py runs it). The release registers this
# request with its image tag; its architecture must be the environment's images.platform.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_vpc" {
    defaults = {
      cidr_block = "10.40.0.0/16"
    }
  }
}

variables {
  name                  = "slipway-proxy"
  container_name        = "proxy"
  container_port        = 8080
  image                 = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/services:bootstrap"
  cluster_arn           = "arn:aws:ecs:eu-west-1:123456789012:cluster/slipway"
  vpc_id                = "vpc-0123456789abcdef0"
  subnet_ids            = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  alb_security_group_id = "sg-0123456789abcdef0"
  alb_arn_suffix        = "app/slipway/0123456789abcdef"
  listener_arn          = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/slipway/0123456789abcdef/0123456789abcdef"
  listener_priority     = 100
  host_headers          = ["*.sites.example.com"]
  execution_role_arn    = "arn:aws:iam::123456789012:role/slipway-execution"
  task_role_arn         = "arn:aws:iam::123456789012:role/slipway-proxy"
}

run "x86_64_unless_told" {
  command = plan

  assert {
    condition     = output.task_definition.runtimePlatform.cpuArchitecture == "X86_64"
    error_message = "Tasks run on X86_64 by default."
  }
}

run "arm64_when_told" {
  command = plan

  variables {
    cpu_architecture = "ARM64"
  }

  assert {
    condition     = output.task_definition.runtimePlatform.cpuArchitecture == "ARM64"
    error_message = "cpu_architecture reaches the task definition."
  }
}

run "other_architectures_are_refused" {
  command = plan

  variables {
    cpu_architecture = "arm64"
  }

  expect_failures = [var.cpu_architecture]
}
