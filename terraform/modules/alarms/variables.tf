variable "name" {
  description = "Name of the SNS topic and prefix of every alarm name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name must be 1 to 200 letters, digits, hyphens or underscores (an SNS topic name)."
  }
}

variable "email_addresses" {
  description = "Addresses subscribed to the topic. Each receives a confirmation mail from AWS and gets alarms only once it has confirmed."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", a))])
    error_message = "Every entry of email_addresses must be an e-mail address."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the topic; its key policy must let cloudwatch.amazonaws.com use it. Null leaves the topic unencrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key."
  type        = string
  default     = null
}

variable "load_balancer_arn_suffix" {
  description = "ARN suffix of the ALB (the LoadBalancer dimension of its metrics)."
  type        = string
  nullable    = false
}

variable "target_groups" {
  description = "Target groups watched for 5xx answers and unhealthy targets: a fixed name (e.g. api) => the group's ARN suffix."
  type        = map(string)
  nullable    = false
}

variable "cluster_name" {
  description = "ECS cluster of the services (the ClusterName dimension of their Container Insights metrics)."
  type        = string
  nullable    = false
}

variable "container_insights" {
  description = "Whether the cluster publishes Container Insights metrics. When it does, each service alarms when it runs fewer tasks than desired; when it does not (its metrics cost about 0.30 USD each a month), each target group alarms instead when it has had no healthy target for 3 minutes: a service that is down is caught, one running below its count is not."
  type        = bool
  default     = true
  nullable    = false
}

variable "services" {
  description = "ECS services watched for running fewer tasks than desired: a fixed name (e.g. api) => the service name."
  type        = map(string)
  nullable    = false
}

variable "api_log_group" {
  description = "Log group of the api, whose log has a line for every finished deployment (the platform's build failures are counted from it)."
  type        = string
  nullable    = false
}

variable "db_instance_identifier" {
  description = "RDS instance watched for CPU, silence (stopped or failed) and free storage."
  type        = string
  nullable    = false
}

variable "thresholds" {
  description = "When the alarms fire: 5xx answers per 5 minutes (from the ALB itself, and from each target group's targets), builds failed for the platform's reasons per 30 minutes, database CPU percent over 15 minutes, database free storage in GiB."
  type = object({
    alb_5xx_per_5_minutes                  = optional(number, 10)
    target_5xx_per_5_minutes               = optional(number, 10)
    platform_build_failures_per_30_minutes = optional(number, 3)
    database_cpu_percent                   = optional(number, 90)
    database_free_storage_gb               = optional(number, 2)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.thresholds.database_cpu_percent > 0 && var.thresholds.database_cpu_percent <= 100
    error_message = "thresholds.database_cpu_percent must be between 1 and 100."
  }
}

variable "tags" {
  description = "Tags added to the topic and the alarms."
  type        = map(string)
  default     = {}
  nullable    = false
}
