variable "name" {
  description = "Name of the service, its task definition family and its other resources (2 to 32 characters)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]$", var.name))
    error_message = "name must be 2 to 32 letters, digits or hyphens, not starting or ending with a hyphen."
  }
}

variable "container_name" {
  description = "Name of the container the load balancer targets; release task definitions must keep it. Its first five characters prefix the target group's generated name."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,254}$", var.container_name))
    error_message = "container_name must be 1 to 255 lowercase letters, digits or hyphens, starting with a letter (it prefixes the target group's name)."
  }
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  nullable    = false

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be between 1024 and 65535 (the ALB's security group reaches only those)."
  }
}

variable "image" {
  description = "Image of the first task definition revision; release scripts register later ones."
  type        = string
  nullable    = false
}

variable "command" {
  description = "Command of the container, or null for the image's default."
  type        = list(string)
  default     = null
}

variable "cpu" {
  description = "Fargate CPU units of one task (256, 512, 1024, 2048, 4096, 8192 or 16384)."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of the Fargate sizes: 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  description = "Memory of one task in MiB; must be a Fargate pair with cpu."
  type        = number
  default     = 512
  nullable    = false
}

variable "cpu_architecture" {
  description = "CPU architecture of the tasks' first task definition revision: X86_64, or ARM64 (Graviton, about 20 % cheaper; the image must be built for linux/arm64). Release scripts set it on later revisions from the environment's images.platform."
  type        = string
  default     = "X86_64"
  nullable    = false

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Tasks at creation; afterwards autoscaling owns the count."
  type        = number
  default     = 1
  nullable    = false
}

variable "min_count" {
  description = "Fewest tasks autoscaling keeps."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.min_count >= 1
    error_message = "min_count must be at least 1."
  }
}

variable "max_count" {
  description = "Most tasks autoscaling starts."
  type        = number
  default     = 3
  nullable    = false
}

variable "cluster_arn" {
  description = "ECS cluster of the service."
  type        = string
  nullable    = false
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
  nullable    = false
}

variable "subnet_ids" {
  description = "Subnets of the tasks."
  type        = list(string)
  nullable    = false
}

variable "assign_public_ip" {
  description = "Give tasks public IPs (needed in public subnets without NAT)."
  type        = bool
  default     = false
  nullable    = false
}

variable "vpc_egress_ports" {
  description = "TCP ports the tasks may reach inside the VPC (e.g. 5432 for the database). HTTPS anywhere is always allowed."
  type        = list(number)
  default     = []
  nullable    = false
}

variable "alb_security_group_id" {
  description = "Security group of the ALB: the only source admitted to the tasks."
  type        = string
  nullable    = false
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the ALB, for request-count scaling."
  type        = string
  nullable    = false
}

variable "listener_arn" {
  description = "HTTPS listener the service's host rules attach to."
  type        = string
  nullable    = false
}

variable "listener_priority" {
  description = "Priority of the first host rule; each further group of five host names takes the next number."
  type        = number
  nullable    = false

  validation {
    condition     = var.listener_priority >= 1 && var.listener_priority <= 50000
    error_message = "listener_priority must be between 1 and 50000."
  }
}

variable "host_headers" {
  description = "Host names (wildcards allowed) routed to the service."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.host_headers) > 0
    error_message = "host_headers must name at least one host."
  }
}

variable "health_check_path" {
  description = "Path the target group checks: liveness, which answers 200 while the process can serve. Not /healthz (readiness): a database or S3 outage must not make ECS replace healthy tasks."
  type        = string
  default     = "/livez"
  nullable    = false
}

variable "execution_role_arn" {
  description = "Role ECS uses to start the tasks."
  type        = string
  nullable    = false
}

variable "task_role_arn" {
  description = "Role the service's code runs with."
  type        = string
  nullable    = false
}

variable "environment" {
  description = "Environment of the container in the first task definition revision."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "secrets" {
  description = "Environment variables filled from Secrets Manager: variable name => secret ARN."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "sidecar" {
  description = "A second container in each task, reached through the ALB at its own hosts (the api beside the proxy, in the small profile). It runs the same image with the task's role and size; it is not essential: when it exits ECS restarts it in place and the main container goes on serving. Its target group's health check uses health_check_path on its port."
  type = object({
    name              = string
    port              = number
    command           = list(string)
    environment       = optional(map(string), {})
    secrets           = optional(map(string), {})
    host_headers      = list(string)
    listener_priority = number
    vpc_egress_ports  = optional(list(number), [])
  })
  default = null

  validation {
    condition     = var.sidecar == null || try(var.sidecar.port != var.container_port && var.sidecar.name != var.container_name, false)
    error_message = "The sidecar needs a name and a port of its own."
  }
}

variable "log_retention_days" {
  description = "Retention of the service's log group, in days."
  type        = number
  default     = 30
  nullable    = false
}

variable "scaling_targets" {
  description = "Autoscaling targets: average CPU percent and ALB requests per target per minute."
  type = object({
    cpu_percent         = optional(number, 60)
    requests_per_target = optional(number, 1000)
  })
  default  = {}
  nullable = false
}

variable "tags" {
  description = "Tags added to the service's resources."
  type        = map(string)
  default     = {}
  nullable    = false
}
