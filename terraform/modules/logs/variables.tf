variable "bucket_name" {
  description = "Name of the log bucket (globally unique, 3 to 63 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3 to 63 lowercase letters, digits, dots or hyphens."
  }
}

variable "expiration_days" {
  description = "Days after which log objects are deleted."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.expiration_days >= 1
    error_message = "expiration_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket while it still holds logs."
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
