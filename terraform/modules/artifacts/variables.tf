variable "bucket_name" {
  description = "Name of the artifacts bucket (globally unique, 3 to 63 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3 to 63 lowercase letters, digits, dots or hyphens."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key to encrypt objects with. Null means SSE-S3."
  type        = string
  default     = null
}

variable "cache_expiration_days" {
  description = "Days after which objects under cache/ expire."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.cache_expiration_days >= 1
    error_message = "cache_expiration_days must be at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a replaced or deleted object version is kept (the window in which a bad route write can be undone)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "access_log_bucket" {
  description = "Bucket receiving S3 server access logs (under s3/<bucket>/). Null turns access logging off."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds objects."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to the bucket."
  type        = map(string)
  default     = {}
  nullable    = false
}
