data "aws_region" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  cluster_name = element(split("/", var.cluster_arn), length(split("/", var.cluster_arn)) - 1)

  # What the ALB reaches in each task: the main container, and the sidecar if there is one.
  # Each has its target group, its listener rules and its port in the security group.
  routes = merge(
    {
      main = {
        container = var.container_name
        port      = var.container_port
        hosts     = var.host_headers
        priority  = var.listener_priority
      }
    },
    {
      for c in local.sidecars : "sidecar" => {
        container = c.name
        port      = c.port
        hosts     = c.host_headers
        priority  = c.listener_priority
      }
    },
  )
  # A splat of a single value: [] when it is null, [value] otherwise.
  sidecars = var.sidecar[*]

  # An ALB rule takes at most five host names: one rule per group of five. The main
  # route's rules keep the keys they have always had ("0", "1", ...).
  listener_rules = {
    for rule in flatten([
      for route, r in local.routes : [
        for i, hosts in chunklist(r.hosts, 5) : {
          key      = route == "main" ? tostring(i) : "${route}-${i}"
          route    = route
          hosts    = hosts
          priority = r.priority + i
        }
      ]
    ]) : rule.key => rule
  }

  vpc_egress_ports = distinct(concat(var.vpc_egress_ports, flatten(local.sidecars[*].vpc_egress_ports)))
}

moved {
  from = aws_lb_target_group.this
  to   = aws_lb_target_group.this["main"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.alb
  to   = aws_vpc_security_group_ingress_rule.alb["main"]
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Service logs are operational; 30 days by default keeps CloudWatch storage cheap (log_retention_days).
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a customer-managed key is not required for request logs.
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days

  tags = var.tags
}

resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "Slipway ${var.container_name} tasks: in from the ALB only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = local.routes

  security_group_id            = aws_security_group.this.id
  description                  = "From the ALB to the ${each.value.container} container's port"
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
  referenced_security_group_id = var.alb_security_group_id
}

# AWS APIs (S3, ECS, Secrets Manager, CloudWatch, ECR) and GitHub, all over HTTPS.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs and GitHub"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "vpc" {
  for_each = toset([for p in local.vpc_egress_ports : tostring(p)])

  security_group_id = aws_security_group.this.id
  description       = "Inside the VPC on TCP ${each.value}"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:TLS ends at the ALB; ALB to task traffic stays inside the VPC, between security groups that admit only each other.
  for_each = local.routes

  # A target group's port, protocol or VPC cannot change in place: a new group is created
  # (hence a generated name, at most 6 characters of prefix) and the listener rule moved to
  # it before the old one goes.
  name_prefix          = "${substr(each.value.container, 0, 5)}-"
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener_rule" "this" {
  for_each = local.listener_rules

  listener_arn = var.listener_arn
  priority     = each.value.priority

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this[each.value.route].arn
  }

  condition {
    host_header {
      values = each.value.hosts
    }
  }

  tags = var.tags
}

module "task_definition" {
  source = "../task_definition"

  family             = var.name
  cpu                = var.cpu
  memory             = var.memory
  cpu_architecture   = var.cpu_architecture
  task_role_arn      = var.task_role_arn
  execution_role_arn = var.execution_role_arn
  region             = data.aws_region.current.id
  log_group          = aws_cloudwatch_log_group.this.name
  tags               = var.tags
  containers = concat(
    [
      {
        name          = var.container_name
        image         = var.image
        command       = var.command
        port          = var.container_port
        environment   = var.environment
        secrets       = var.secrets
        liveness_path = var.health_check_path
        stop_timeout  = 30
      },
    ],
    # Not essential: when it exits, ECS restarts it and the main container goes on serving.
    var.sidecar == null ? [] : [
      {
        name          = var.sidecar.name
        image         = var.image
        essential     = false
        command       = var.sidecar.command
        port          = var.sidecar.port
        environment   = var.sidecar.environment
        secrets       = var.sidecar.secrets
        liveness_path = var.health_check_path
        stop_timeout  = 30
      },
    ],
  )
}

resource "aws_ecs_service" "this" {
  name                              = var.name
  cluster                           = var.cluster_arn
  task_definition                   = module.task_definition.first_revision_arn
  desired_count                     = var.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true
  health_check_grace_period_seconds = 30

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.this.id]
    assign_public_ip = var.assign_public_ip
  }

  dynamic "load_balancer" {
    for_each = local.routes
    content {
      target_group_arn = aws_lb_target_group.this[load_balancer.key].arn
      container_name   = load_balancer.value.container
      container_port   = load_balancer.value.port
    }
  }

  tags = var.tags

  lifecycle {
    # Release scripts own the task definition; autoscaling owns the count.
    ignore_changes = [task_definition, desired_count]
  }

  depends_on = [aws_lb_listener_rule.this]
}

resource "aws_appautoscaling_target" "this" {
  service_namespace  = "ecs"
  resource_id        = "service/${local.cluster_name}/${aws_ecs_service.this.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.max_count >= var.min_count
      error_message = "max_count must be at least min_count."
    }
  }
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling_targets.cpu_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${var.name}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this.service_namespace
  resource_id        = aws_appautoscaling_target.this.resource_id
  scalable_dimension = aws_appautoscaling_target.this.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling_targets.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${aws_lb_target_group.this["main"].arn_suffix}"
    }
  }
}
