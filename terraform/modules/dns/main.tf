resource "aws_acm_certificate" "this" {
  domain_name               = var.domain
  subject_alternative_names = ["*.${var.domain}"]
  validation_method         = "DNS"

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  # ACM gives <domain> and *.<domain> the same validation record, so one record validates
  # both names. Picked by name rather than looped over: the options are unknown until the
  # certificate exists, and for_each keys must be known at plan time.
  validation = one([
    for o in aws_acm_certificate.this.domain_validation_options : o if o.domain_name == var.domain
  ])
}

resource "aws_route53_record" "validation" {
  zone_id         = var.zone_id
  name            = local.validation.resource_record_name
  type            = local.validation.resource_record_type
  records         = [local.validation.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [aws_route53_record.validation.fqdn]
}

resource "aws_route53_record" "alb" {
  for_each = toset(["api.${var.domain}", "*.${var.domain}"])

  zone_id = var.zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = false
  }
}
