variable "name_prefix" {
  description = "Prefix of the role names."
  type        = string
  nullable    = false
}

variable "cluster_arn" {
  description = "ARN of the ECS cluster builds run in."
  type        = string
  nullable    = false
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  type        = string
  nullable    = false
}

variable "kms_key_arn" {
  description = "KMS key of the artifacts bucket, or null for SSE-S3."
  type        = string
  default     = null
}

variable "repository_arn" {
  description = "ECR repository of the services image (api and proxy)."
  type        = string
  nullable    = false
}

variable "log_group_arns" {
  description = "Log groups the api and proxy containers write to."
  type        = list(string)
  nullable    = false
}

variable "builder_task_family" {
  description = "Task definition family the api may run; no other family."
  type        = string
  nullable    = false
}

variable "builder_role_arns" {
  description = "Roles the api may pass to build tasks (their task and execution roles); no other role."
  type        = list(string)
  nullable    = false
}

variable "publisher_role_arn" {
  description = "Role the api assumes once per build, with a session policy, to hand the build credentials for its own objects only."
  type        = string
  nullable    = false
}

variable "builder_log_group_arn" {
  description = "Build log group the api reads to stream build logs."
  type        = string
  nullable    = false
}

variable "database_secret_arn" {
  description = "The RDS-managed master secret, which rotates: the api task reads its current value for new connections."
  type        = string
  nullable    = false
}

variable "api_secret_arns" {
  description = "Secrets ECS injects into api tasks at start (webhook secret, api token, GitHub token, database secret), read by the execution role only."
  type        = list(string)
  nullable    = false
}

variable "tags" {
  description = "Tags added to the roles."
  type        = map(string)
  default     = {}
  nullable    = false
}
