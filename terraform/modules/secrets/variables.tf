variable "name_prefix" {
  description = "Prefix of the secret names: <name_prefix>/<secret>."
  type        = string
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the secrets. Null means the AWS-managed key."
  type        = string
  default     = null
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once, else 7 to 30)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to the secrets."
  type        = map(string)
  default     = {}
  nullable    = false
}
