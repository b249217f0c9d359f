terraform {
  # 1.10: the S3 backend's native state locking (use_lockfile), which the deploy scripts pass.
  required_version = ">= 1.10"

  # Partial configuration: bucket, key, region and use_lockfile come from -backend-config.
  backend "s3" {}

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is what tests/terraform validates and plans with (terraform validate, terraform
      # test); the 6.x schema extract (terraform/tools/aws-provider-schema.json.gz) is checked
      # too. .terraform.lock.hcl records the version init installs: docs/terraform.md.
      version = ">= 5.100, < 7"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Application = "slipway", Stack = var.name })
  }
}
