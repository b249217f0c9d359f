terraform {
  required_version = ">= 1.6"

  # Partial configuration: bucket, key, region and use_lockfile come from -backend-config.
  backend "s3" {}

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The version whose schema tests/terraform checks against (terraform/tools/aws-provider-schema.json.gz).
      version = "6.66.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Application = "slipway", Stack = var.name })
  }
}
