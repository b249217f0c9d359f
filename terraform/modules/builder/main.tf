data "aws_region" "current" {}

locals {
  container_name = "builder"
  # Build log streams are <prefix>/<container>/<task id>; the api reads them by it.
  log_stream_prefix = "build"
  artifacts_bucket  = element(split(":::", var.artifacts_bucket_arn), 1)
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Build logs are copied to deployments/<id>/build.log; a year of CloudWatch retention would only add cost.
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts at rest by default; a customer-managed key is not required for build output.
  name              = "/ecs/${var.name}"
  retention_in_days = var.log_retention_days

  tags = var.tags
}

# Egress only: nothing can connect to a build.
resource "aws_security_group" "this" {
  #checkov:skip=CKV2_AWS_5:Attached at run time: the api passes it in each build's RunTask network configuration.
  name_prefix = "${var.name}-"
  description = "Slipway build tasks: no inbound traffic, outbound on the listed ports only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = toset([for p in var.egress_ports : tostring(p)])

  security_group_id = aws_security_group.this.id
  description       = "Builds out on TCP ${each.value}"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = "0.0.0.0/0"
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# Execution role: used by ECS itself to start a build (pull the image, write logs,
# inject the GitHub token). Build code never holds these credentials.
resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name}-exec-"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullBuilderImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.repository_arn]
  }

  statement {
    sid       = "WriteBuildLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "GitHubTokenOnly"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.github_token_secret_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "builder-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# Task role: nothing. The project's commands run in this task; whatever they could reach
# must open no door. The runner publishes with per-build credentials of the publisher role
# (below), which the api obtains for each build with a session policy naming that build's
# own deployment and cache prefix (services/api/builders/publish_credentials.py).
resource "aws_iam_role" "task" {
  name_prefix        = "${var.name}-task-"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

# Publisher role: the most any build's credentials may do: write deployments/ and cache/,
# read cache/. Only the api may assume it, once per build, narrowed by a session policy.
data "aws_iam_policy_document" "publisher_trust" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = var.publisher_trusted_role_arns
    }
  }
}

resource "aws_iam_role" "publisher" {
  name_prefix          = "${var.name}-publish-"
  assume_role_policy   = data.aws_iam_policy_document.publisher_trust.json
  max_session_duration = 3600

  tags = var.tags
}

data "aws_iam_policy_document" "publisher" {
  statement {
    sid     = "WriteDeploymentsAndCache"
    actions = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [
      "${var.artifacts_bucket_arn}/deployments/*",
      "${var.artifacts_bucket_arn}/cache/*",
    ]
  }

  statement {
    sid       = "ReadCache"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/cache/*"]
  }
}

resource "aws_iam_role_policy" "publisher" {
  name   = "builder-artifacts"
  role   = aws_iam_role.publisher.id
  policy = data.aws_iam_policy_document.publisher.json
}

data "aws_iam_policy_document" "kms" {
  count = var.kms_key_arn != null ? 1 : 0

  statement {
    sid       = "ArtifactsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "kms" {
  count = var.kms_key_arn != null ? 1 : 0

  name   = "builder-artifacts-kms"
  role   = aws_iam_role.publisher.id
  policy = data.aws_iam_policy_document.kms[0].json
}

module "task_definition" {
  source = "../task_definition"

  family             = var.name
  cpu                = var.cpu
  memory             = var.memory
  cpu_architecture   = var.cpu_architecture
  task_role_arn      = aws_iam_role.task.arn
  execution_role_arn = aws_iam_role.execution.arn
  region             = data.aws_region.current.id
  log_group          = aws_cloudwatch_log_group.this.name
  tags               = var.tags
  containers = [
    {
      # The runner (root in the container) makes each build's workspace, home and caches
      # under /tmp; the project's commands run as an unprivileged user of their own. The
      # api passes each build's inputs as container overrides of RunTask.
      name              = local.container_name
      image             = var.image
      log_stream_prefix = local.log_stream_prefix
      environment = {
        SLIPWAY_BUILD_TIMEOUT = tostring(var.timeout_seconds)
        SLIPWAY_STORAGE_URL   = "s3://${local.artifacts_bucket}"
      }
      # For private repositories, read as SLIPWAY_GIT_TOKEN (services/core/build_protocol.py);
      # the execution role may read this one secret only.
      secrets = { SLIPWAY_GIT_TOKEN = var.github_token_secret_arn }
    },
  ]
}
