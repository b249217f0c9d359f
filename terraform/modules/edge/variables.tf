variable "name" {
  description = "Name of the ALB and prefix of its security group (at most 32 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]$", var.name))
    error_message = "name must be 2 to 32 letters, digits or hyphens, not starting or ending with a hyphen."
  }
}

variable "vpc_id" {
  description = "VPC of the ALB."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Public subnets of the ALB, in at least two zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list at least two subnets (an ALB spans two zones or more)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (base domain and its wildcard)."
  type        = string

  validation {
    condition     = var.certificate_arn != null
    error_message = "A certificate is required: set route53_zone_id (the stack then issues one) or certificate_arn."
  }
}

variable "additional_certificate_arns" {
  description = "More certificates for the HTTPS listener (SNI), e.g. for custom domains."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener; TLS 1.2 or newer only."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false

  validation {
    condition     = can(regex("TLS13|TLS-1-2|FS-1-2", var.ssl_policy))
    error_message = "ssl_policy must be a TLS 1.2+ policy (its name contains TLS13, TLS-1-2 or FS-1-2)."
  }
}

variable "ingress_cidr_blocks" {
  description = "IPv4 ranges allowed to reach the ALB on ports 80 and 443."
  type        = list(string)
  default     = ["0.0.0.0/0"]
  nullable    = false
}

variable "idle_timeout" {
  description = "Seconds an idle connection is kept; the services' keep-alive must exceed it."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "idle_timeout must be between 1 and 4000 seconds."
  }
}

variable "enable_deletion_protection" {
  description = "Refuse to delete the ALB until this is turned off."
  type        = bool
  default     = true
  nullable    = false
}

variable "access_log_bucket" {
  description = "Bucket receiving the ALB access logs (under alb/). Null turns them off."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the ALB's resources."
  type        = map(string)
  default     = {}
  nullable    = false
}
