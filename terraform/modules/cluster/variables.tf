variable "name" {
  description = "Name of the ECS cluster."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.name))
    error_message = "name must be 1 to 255 letters, digits, hyphens or underscores."
  }
}

variable "enable_container_insights" {
  description = "Turn on CloudWatch Container Insights: metrics per cluster, service and task family, each billed as a custom metric (about 0.30 USD a month; 62 for the platform stack)."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_service_linked_role" {
  description = "Create the account's ECS service-linked role (AWSServiceRoleForECS). Set false when the account already has it: `aws iam get-role --role-name AWSServiceRoleForECS` answers with it."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags added to the cluster and the service-linked role."
  type        = map(string)
  default     = {}
  nullable    = false
}
