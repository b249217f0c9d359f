variable "name" {
  description = "Name prefix of the network's resources."
  type        = string
  nullable    = false
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, /16 to /24. Each subnet gets a quarter of a quarter of it."
  type        = string
  nullable    = false

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("/(1[6-9]|2[0-4])$", var.cidr_block))
    error_message = "cidr_block must be an IPv4 CIDR block from /16 to /24."
  }
}

variable "az_count" {
  description = "Number of availability zones, each with one public and one private subnet (2 to 4)."
  type        = number
  default     = 2
  nullable    = false

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "enable_nat" {
  description = "Create one NAT gateway (in the first public subnet) so private subnets reach the internet."
  type        = bool
  default     = false
  nullable    = false
}

variable "flow_log_bucket_arn" {
  description = "ARN of the S3 bucket that receives the VPC flow logs (under flow-logs/)."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Tags added to the network's resources."
  type        = map(string)
  default     = {}
  nullable    = false
}
