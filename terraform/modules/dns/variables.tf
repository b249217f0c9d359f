variable "zone_id" {
  description = "Route53 hosted zone that holds domain."
  type        = string
  nullable    = false
}

variable "domain" {
  description = "Base domain: the certificate covers it and *.<domain>; records api.<domain> and *.<domain> point at the ALB."
  type        = string
  nullable    = false
}

variable "alb_dns_name" {
  description = "DNS name of the ALB."
  type        = string
  nullable    = false
}

variable "alb_zone_id" {
  description = "Route53 zone ID of the ALB."
  type        = string
  nullable    = false
}

variable "tags" {
  description = "Tags added to the certificate."
  type        = map(string)
  default     = {}
  nullable    = false
}
