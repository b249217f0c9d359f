# The zone lookup with a mocked AWS provider: `terraform test` in modules/network
# (tests/terraform/test_plan.py runs it). eu-west-1 has three regular zones.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      id   = "eu-west-1"
      name = "eu-west-1"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      id       = "eu-west-1"
      names    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
      zone_ids = ["euw1-az3", "euw1-az1", "euw1-az2"]
    }
  }
}

variables {
  name                = "slipway"
  cidr_block          = "10.40.0.0/16"
  flow_log_bucket_arn = "arn:aws:s3:::slipway-logs-123456789012"
}

run "every_zone_the_region_has" {
  command = plan

  variables {
    az_count   = 3
    enable_nat = true
  }

  assert {
    condition     = [for s in aws_subnet.public : s.availability_zone] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    error_message = "One public subnet in each of the first az_count zones."
  }

  assert {
    condition     = [for s in aws_subnet.private : s.cidr_block] == ["10.40.64.0/20", "10.40.80.0/20", "10.40.96.0/20"]
    error_message = "Private subnets take the second quarter of the VPC, one /20 per zone."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1
    error_message = "One NAT gateway, not one per zone."
  }
}

run "more_zones_than_the_region_has_are_refused" {
  command = plan

  variables {
    az_count = 4
  }

  expect_failures = [data.aws_availability_zones.available]
}
