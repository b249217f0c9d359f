variable "name" {
  description = "Name of the task definition family and prefix of the builder's roles, log group and security group."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,50}$", var.name))
    error_message = "name must be 1 to 50 letters, digits, hyphens or underscores."
  }
}

variable "vpc_id" {
  description = "VPC the build tasks run in."
  type        = string
  nullable    = false
}

variable "image" {
  description = "Builder image of the first task definition revision; release scripts register later ones."
  type        = string
  nullable    = false
}

variable "cpu" {
  description = "Fargate CPU units of one build task (256, 512, 1024, 2048, 4096, 8192 or 16384)."
  type        = number
  default     = 1024
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of the Fargate sizes: 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  description = "Memory of one build task in MiB; must be a Fargate pair with cpu."
  type        = number
  default     = 2048
  nullable    = false
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks' first task definition revision: X86_64, or ARM64 (Graviton, about 20 % cheaper; the image must be built for linux/arm64). Release scripts set it on later revisions from the environment's images.platform."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "timeout_seconds" {
  description = "Longest a build may run, in seconds (SLIPWAY_BUILD_TIMEOUT of the runner)."
  type        = number
  default     = 900
  nullable    = false

  validation {
    condition     = var.timeout_seconds >= 60 && var.timeout_seconds <= 7200
    error_message = "timeout_seconds must be between 60 and 7200."
  }
}

variable "repository_arn" {
  description = "ECR repository the builder image is pulled from."
  type        = string
  nullable    = false
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket; builds write deployments/ and cache/, and read cache/ only."
  type        = string
  nullable    = false
}

variable "kms_key_arn" {
  description = "KMS key of the artifacts bucket, or null for SSE-S3."
  type        = string
  default     = null
}

variable "github_token_secret_arn" {
  description = "Secrets Manager ARN of the GitHub token: the only secret a build receives."
  type        = string
  nullable    = false
}

variable "publisher_trusted_role_arns" {
  description = "Roles that may assume the publisher role (the api's task role) to hand builds their scoped credentials."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.publisher_trusted_role_arns) > 0
    error_message = "At least one role (the api's task role) must be able to assume the publisher role."
  }
}

variable "log_retention_days" {
  description = "Retention of the build log group, in days."
  type        = number
  default     = 30
  nullable    = false
}

variable "egress_ports" {
  description = "TCP ports build tasks may reach anywhere (git, package registries, AWS APIs). Nothing may reach them."
  type        = list(number)
  default     = [443]
  nullable    = false

  validation {
    condition     = alltrue([for p in var.egress_ports : p >= 1 && p <= 65535])
    error_message = "egress_ports must be TCP ports between 1 and 65535."
  }
}

variable "tags" {
  description = "Tags added to the builder's resources."
  type        = map(string)
  default     = {}
  nullable    = false
}
