data "aws_caller_identity" "current" {}

locals {
  actions = [aws_sns_topic.this.arn]
}

resource "aws_sns_topic" "this" {
  #checkov:skip=CKV_AWS_26:CloudWatch cannot publish to a topic under the AWS-managed SNS key; pass kms_key_arn (a customer key that admits CloudWatch) to encrypt.
  name              = var.name
  kms_master_key_id = var.kms_key_arn

  tags = var.tags
}

# Only this account's CloudWatch alarms may publish; the account's own principals keep
# what their IAM policies give them.
data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "CloudWatchAlarmsOfThisAccount"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.email_addresses)

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = each.value
}

# --- one metric each: the load balancer, each target group, the database ---

locals {
  load_balancer = { LoadBalancer = var.load_balancer_arn_suffix }
  database      = { DBInstanceIdentifier = var.db_instance_identifier }
  # This stack's own metrics (several stacks may share an account).
  own_namespace = "Slipway/${var.name}"

  # By alarm name suffix. `missing` is what a period without data points means: no
  # requests is no error, but a running database reports its CPU every minute, so its
  # silence means it is stopped, rebooting or failed.
  metric_alarms = merge(
    {
      alb-5xx = {
        description = "The ALB itself answered 5xx (502, 503, 504): targets missing, unhealthy or too slow."
        namespace   = "AWS/ApplicationELB"
        metric      = "HTTPCode_ELB_5XX_Count"
        dimensions  = local.load_balancer
        statistic   = "Sum"
        period      = 300
        periods     = 1
        comparison  = "GreaterThanOrEqualToThreshold"
        threshold   = var.thresholds.alb_5xx_per_5_minutes
        missing     = "notBreaching"
      }
    },
    {
      for name, group in var.target_groups : "${name}-5xx" => {
        description = "The ${name} targets answered 5xx."
        namespace   = "AWS/ApplicationELB"
        metric      = "HTTPCode_Target_5XX_Count"
        dimensions  = merge(local.load_balancer, { TargetGroup = group })
        statistic   = "Sum"
        period      = 300
        periods     = 1
        comparison  = "GreaterThanOrEqualToThreshold"
        threshold   = var.thresholds.target_5xx_per_5_minutes
        missing     = "notBreaching"
      }
    },
    {
      # A task being replaced fails a check or two while it drains; three minutes is not that.
      for name, group in var.target_groups : "${name}-unhealthy-targets" => {
        description = "A ${name} target has failed its health checks for 3 minutes."
        namespace   = "AWS/ApplicationELB"
        metric      = "UnHealthyHostCount"
        dimensions  = merge(local.load_balancer, { TargetGroup = group })
        statistic   = "Maximum"
        period      = 60
        periods     = 3
        comparison  = "GreaterThanThreshold"
        threshold   = 0
        missing     = "notBreaching"
      }
    },
    {
      # Without Container Insights there are no task counts: a group with no healthy target
      # at all is the outage that is left to see. No data means no target is registered.
      for name, group in var.target_groups : "${name}-no-healthy-targets" => {
        description = "The ${name} target group has had no healthy target for 3 minutes."
        namespace   = "AWS/ApplicationELB"
        metric      = "HealthyHostCount"
        dimensions  = merge(local.load_balancer, { TargetGroup = group })
        statistic   = "Minimum"
        period      = 60
        periods     = 3
        comparison  = "LessThanThreshold"
        threshold   = 1
        missing     = "breaching"
      } if !var.container_insights
    },
    {
      database-cpu = {
        description = "The database's CPU has stayed high for 15 minutes, or it has sent no metrics (stopped, rebooting or failed)."
        namespace   = "AWS/RDS"
        metric      = "CPUUtilization"
        dimensions  = local.database
        statistic   = "Average"
        period      = 300
        periods     = 3
        comparison  = "GreaterThanThreshold"
        threshold   = var.thresholds.database_cpu_percent
        missing     = "breaching"
      }
      platform-build-failures = {
        description = "Builds failed for the platform's reasons (a build task lost or not started, storage refusing a build's output), not a project's own failing build."
        namespace   = local.own_namespace
        metric      = local.platform_build_failures
        dimensions  = {}
        statistic   = "Sum"
        period      = 1800
        periods     = 1
        comparison  = "GreaterThanOrEqualToThreshold"
        threshold   = var.thresholds.platform_build_failures_per_30_minutes
        missing     = "notBreaching"
      }
      database-storage = {
        description = "The database has less free storage than the threshold (autoscaling may have reached its ceiling)."
        namespace   = "AWS/RDS"
        metric      = "FreeStorageSpace"
        dimensions  = local.database
        statistic   = "Minimum"
        period      = 300
        periods     = 1
        comparison  = "LessThanThreshold"
        threshold   = var.thresholds.database_free_storage_gb * 1024 * 1024 * 1024
        missing     = "notBreaching"
      }
    },
  )
}

# --- builds: the api logs every finished deployment as one line (services/api/dispatcher.py,
# `finished_line`), "<date> <time> slipway.dispatcher INFO deployment <id> failed
# (<reason>)". The platform's reasons are counted; a project's own failing clone, install,
# build or timeout is its owner's to see (dashboard, commit status), not the operator's. ---

locals {
  platform_build_failures  = "PlatformBuildFailures"
  platform_failure_reasons = ["internal", "publish"]
}

resource "aws_cloudwatch_log_metric_filter" "platform_build_failures" {
  for_each = toset(local.platform_failure_reasons)

  name           = "${var.name}-build-failed-${each.key}"
  log_group_name = var.api_log_group
  pattern        = "[day, time, logger = \"slipway.dispatcher\", level, event = \"deployment\", id, status = \"failed\", reason = \"(${each.key})\"]"

  metric_transformation {
    namespace = local.own_namespace
    name      = local.platform_build_failures
    value     = "1"
    unit      = "Count"
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.metric_alarms

  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.periods
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = each.value.missing
  alarm_actions       = local.actions
  ok_actions          = local.actions

  tags = var.tags
}

# --- each service: fewer tasks running than it wants (crash loop, no capacity, bad image);
# the counts are Container Insights metrics ---

resource "aws_cloudwatch_metric_alarm" "tasks_below_desired" {
  for_each = var.container_insights ? var.services : {}

  alarm_name        = "${var.name}-${each.key}-tasks-below-desired"
  alarm_description = "The ${each.key} service has run fewer tasks than desired for 5 minutes."
  # Scaling out and rolling deployments lag by a minute or two; five is a real shortfall.
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions

  metric_query {
    id          = "shortfall"
    expression  = "desired - running"
    label       = "Tasks missing"
    return_data = true
  }

  metric_query {
    id = "desired"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = each.value }
      stat        = "Maximum"
      period      = 60
    }
  }

  metric_query {
    id = "running"

    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      dimensions  = { ClusterName = var.cluster_name, ServiceName = each.value }
      stat        = "Minimum"
      period      = 60
    }
  }

  tags = var.tags
}
