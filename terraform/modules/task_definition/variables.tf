variable "family" {
  description = "Task definition family."
  type        = string
  nullable    = false
}

variable "cpu" {
  description = "Fargate cpu units of the task (256 = 0.25 vCPU)."
  type        = number
  nullable    = false
}

variable "memory" {
  description = "Fargate memory of the task in MiB; must suit cpu."
  type        = number
  nullable    = false
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64 (the calling modules check which): the architecture the images are built for."
  type        = string
  default     = "X86_64"
  nullable    = false
}

variable "task_role_arn" {
  description = "Role the task's code runs with."
  type        = string
  nullable    = false
}

variable "execution_role_arn" {
  description = "Role ECS uses to start the task (image pull, logs, secret injection)."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region of the log group (the awslogs driver needs it)."
  type        = string
  nullable    = false
}

variable "log_group" {
  description = "CloudWatch log group every container logs to (awslogs)."
  type        = string
  nullable    = false
}

variable "containers" {
  description = "The task's containers. image is repository:tag (a release swaps the tag); essential (the default) means its exit stops the task, otherwise ECS restarts it in place; port is the TCP port it listens on, if any; liveness_path makes the container's health check GET http://127.0.0.1:<port><path>; log_stream_prefix defaults to the name; stop_timeout is seconds between SIGTERM and SIGKILL."
  type = list(object({
    name              = string
    image             = string
    essential         = optional(bool, true)
    command           = optional(list(string))
    port              = optional(number)
    environment       = optional(map(string), {})
    secrets           = optional(map(string), {})
    liveness_path     = optional(string)
    log_stream_prefix = optional(string)
    stop_timeout      = optional(number)
  }))
  nullable = false

  validation {
    condition     = length(var.containers) > 0 && length(distinct([for c in var.containers : c.name])) == length(var.containers)
    error_message = "containers must hold at least one container, each with its own name."
  }

  validation {
    condition     = anytrue([for c in var.containers : c.essential])
    error_message = "At least one container must be essential (ECS requires one)."
  }

  validation {
    condition     = alltrue([for c in var.containers : c.liveness_path == null || c.port != null])
    error_message = "A container with a liveness_path needs a port."
  }
}

variable "tags" {
  description = "Tags of every revision of the family, the first one and each release's."
  type        = map(string)
  default     = {}
  nullable    = false
}
