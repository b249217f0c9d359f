variable "region" {
  description = "AWS region the platform runs in, e.g. eu-west-1."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "name" {
  description = "Name prefix of every resource (lowercase letters, digits and hyphens, 3 to 20 characters)."
  type        = string
  default     = "slipway"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "name must be 3 to 20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "base_domain" {
  description = "Domain the sites are served under: the api answers at api.<base_domain>, sites at <host>.<base_domain>."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.base_domain))
    error_message = "base_domain must be a lowercase DNS name such as sites.example.com."
  }
}

variable "custom_domains" {
  description = "Extra host names (outside base_domain) routed to the proxy. Their certificates go in additional_certificate_arns."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for d in var.custom_domains : can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", d))])
    error_message = "Every custom domain must be a lowercase DNS name."
  }
}

variable "route53_zone_id" {
  description = "Route53 hosted zone of base_domain. When set, the stack creates the ACM certificate (DNS-validated) and the api and wildcard records; when null, certificate_arn is required and DNS is yours."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate covering base_domain and *.base_domain, used when route53_zone_id is null."
  type        = string
  default     = null
}

variable "additional_certificate_arns" {
  description = "More ACM certificates for the HTTPS listener, e.g. for custom_domains."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC (a /16 to /24)."
  type        = string
  default     = "10.40.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("/(1[6-9]|2[0-4])$", var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block from /16 to /24."
  }
}

variable "az_count" {
  description = "How many availability zones to spread subnets over (2 to 4)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "enable_nat" {
  description = "Run tasks in private subnets behind one NAT gateway (about 35 USD a month plus traffic). When false, tasks run in public subnets with public IPs and security groups that admit no inbound traffic except from the ALB."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_deletion_protection" {
  description = "Protect the ALB and the database from deletion, and keep the database's final snapshot. Turn off only for throwaway environments."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_access_logs" {
  description = "Write ALB and S3 server access logs to the platform's log bucket."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the artifacts bucket. Null means SSE-S3 (no KMS request charges)."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Retention of the CloudWatch log groups (services and builds), in days."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "cpu_architecture" {
  description = "CPU architecture of the api, proxy and builder tasks: X86_64, or ARM64 (Graviton: Fargate about 20 % cheaper, no Fargate Spot; the images must be built for linux/arm64). The deploy scripts set it from the environment's images.platform."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "image_tag" {
  description = "Tag of the services and builder images that the first task definitions point at. Release scripts register new revisions afterwards; Terraform ignores them."
  type        = string
  default     = "bootstrap"
  nullable    = false
}

variable "api" {
  description = "Size and scaling of the api service (Fargate cpu units and MiB)."
  type = object({
    cpu           = optional(number, 512)
    memory        = optional(number, 1024)
    desired_count = optional(number, 1)
    min_count     = optional(number, 1)
    max_count     = optional(number, 3)
  })
  default  = {}
  nullable = false
}

variable "proxy" {
  description = "Size and scaling of the proxy service (Fargate cpu units and MiB)."
  type = object({
    cpu           = optional(number, 256)
    memory        = optional(number, 512)
    desired_count = optional(number, 2)
    min_count     = optional(number, 2)
    max_count     = optional(number, 6)
  })
  default  = {}
  nullable = false
}

variable "api_beside_proxy" {
  description = "Run the api as a second container in each proxy task instead of a service of its own: one task and one public IPv4 address fewer (the small profile). The api then shares the proxy's task size, count and role (the proxy gains the api's permissions), the variable api is not used, and a release rolls out one service. ECS restarts the api container in place when it exits; the proxy container goes on serving."
  type        = bool
  default     = false
  nullable    = false
}

variable "builder" {
  description = "Size of one build task (Fargate cpu units and MiB) and the longest a build may run (seconds, 60 to 7200)."
  type = object({
    cpu             = optional(number, 1024)
    memory          = optional(number, 2048)
    timeout_seconds = optional(number, 900)
  })
  default  = {}
  nullable = false
}

variable "database" {
  description = "RDS PostgreSQL settings."
  type = object({
    instance_class        = optional(string, "db.t4g.micro")
    engine_version        = optional(string, "17")
    allocated_storage     = optional(number, 20)
    max_allocated_storage = optional(number, 100)
    multi_az              = optional(bool, false)
    backup_retention_days = optional(number, 7)
  })
  default  = {}
  nullable = false
}

variable "image_retention_count" {
  description = "How many images each ECR repository keeps."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.image_retention_count >= 1 && var.image_retention_count <= 1000
    error_message = "image_retention_count must be between 1 and 1000."
  }
}

variable "cache_expiration_days" {
  description = "Days after which objects under cache/ in the artifacts bucket expire."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.cache_expiration_days >= 1
    error_message = "cache_expiration_days must be at least 1."
  }
}

variable "create_ecs_service_linked_role" {
  description = "Create the account's ECS service-linked role (AWSServiceRoleForECS), which a brand-new account lacks. Set false when the account already has it (`aws iam get-role --role-name AWSServiceRoleForECS`): it is one per account and cannot be created twice."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_container_insights" {
  description = "CloudWatch Container Insights on the cluster: per-cluster, per-service and per-task-family metrics (about 60 custom metrics, some 18 USD a month) and the services-below-desired-count alarms that read them. When false, each target group alarms instead when it has no healthy target."
  type        = bool
  default     = true
  nullable    = false
}

variable "alarm_email_addresses" {
  description = "E-mail addresses subscribed to the alarm topic (ALB and target 5xx, unhealthy targets, services below their desired count, database CPU, silence and storage). Each must confirm AWS's subscription mail."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "alarm_topic_kms_key_arn" {
  description = "Customer-managed KMS key for the alarm topic (its key policy must admit cloudwatch.amazonaws.com). Null leaves the topic unencrypted."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (through the provider's default_tags)."
  type        = map(string)
  default     = {}
  nullable    = false
}
