variable "identifier" {
  description = "Identifier of the DB instance and prefix of its other resources."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,58}[a-z0-9]$", var.identifier))
    error_message = "identifier must be 2 to 60 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "db_name" {
  description = "Name of the application database."
  type        = string
  default     = "slipway"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and hold at most 63 lowercase letters, digits or underscores."
  }
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Private subnets of the database, in at least two zones."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must list subnets in at least two zones (an RDS subnet group requires it)."
  }
}

variable "allowed_security_groups" {
  description = "Security groups admitted on the PostgreSQL port, by a fixed name (e.g. api => its group id). The names key the ingress rules, so they must be known at plan time; the ids may come from resources not yet created."
  type        = map(string)
  nullable    = false
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.micro"
  nullable    = false

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS class such as db.t4g.micro."
  }
}

variable "engine_version" {
  description = "PostgreSQL major (or major.minor) version."
  type        = string
  default     = "17"
  nullable    = false
}

variable "allocated_storage" {
  description = "Initial storage in GiB (gp3, at least 20)."
  type        = number
  default     = 20
  nullable    = false

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "allocated_storage must be at least 20 GiB."
  }
}

variable "max_allocated_storage" {
  description = "Ceiling of storage autoscaling in GiB."
  type        = number
  default     = 100
  nullable    = false
}

variable "multi_az" {
  description = "Keep a standby in a second zone (doubles the instance cost)."
  type        = bool
  default     = false
  nullable    = false
}

variable "backup_retention_days" {
  description = "Days automated backups are kept (1 to 35)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35."
  }
}

variable "enable_deletion_protection" {
  description = "Refuse deletion and take a final snapshot when the instance is destroyed."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for storage and the master secret. Null means the AWS-managed keys."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to the database's resources."
  type        = map(string)
  default     = {}
  nullable    = false
}
