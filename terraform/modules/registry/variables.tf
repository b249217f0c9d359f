variable "name_prefix" {
  description = "Prefix of the repository names: <name_prefix>/<repository>."
  type        = string
  nullable    = false
}

variable "repositories" {
  description = "Short names of the repositories to create, e.g. [\"services\", \"builder\"]."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.repositories) > 0 && alltrue([for r in var.repositories : can(regex("^[a-z0-9][a-z0-9._-]*$", r))])
    error_message = "repositories must be a non-empty list of lowercase names (letters, digits, . _ -)."
  }
}

variable "retention_count" {
  description = "How many images each repository keeps; older ones are expired."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.retention_count >= 1 && var.retention_count <= 1000
    error_message = "retention_count must be between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for image encryption. Null means AES256."
  type        = string
  default     = null
}

variable "force_delete" {
  description = "Allow destroying repositories that still hold images."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to the repositories."
  type        = map(string)
  default     = {}
  nullable    = false
}
