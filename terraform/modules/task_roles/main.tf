data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  account = data.aws_caller_identity.current.account_id
  region  = data.aws_region.current.id
  # RunTask is authorised on the task definition: every revision of the builder family.
  builder_family_arn = "arn:${data.aws_partition.current.partition}:ecs:${local.region}:${local.account}:task-definition/${var.builder_task_family}:*"
  cluster_name       = element(split("/", var.cluster_arn), length(split("/", var.cluster_arn)) - 1)
  # Tasks of this cluster only.
  cluster_tasks_arn = "arn:${data.aws_partition.current.partition}:ecs:${local.region}:${local.account}:task/${local.cluster_name}/*"
}

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

# --- Execution role of the api and proxy tasks: pull, log, inject the api's secrets ---

resource "aws_iam_role" "execution" {
  name_prefix        = "${var.name_prefix}-exec-"
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
    sid       = "PullServicesImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [var.repository_arn]
  }

  statement {
    sid       = "WriteServiceLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in var.log_group_arns : "${arn}:*"]
  }

  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.api_secret_arns
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "services-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# --- api: control plane ---

resource "aws_iam_role" "api" {
  name_prefix        = "${var.name_prefix}-api-"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "RunBuilderTasksOnly"
    actions   = ["ecs:RunTask"]
    resources = [local.builder_family_arn]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }

  statement {
    sid       = "TagBuildTasksAtLaunch"
    actions   = ["ecs:TagResource"]
    resources = [local.cluster_tasks_arn]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RunTask"]
    }
  }

  statement {
    sid       = "WatchAndStopBuildTasks"
    actions   = ["ecs:DescribeTasks", "ecs:StopTask"]
    resources = [local.cluster_tasks_arn]
  }

  # ListTasks has no task resource; it is limited to this cluster by condition.
  statement {
    sid       = "ListTasksOfThisCluster"
    actions   = ["ecs:ListTasks"]
    resources = ["*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }

  statement {
    sid       = "PassBuilderRolesOnly"
    actions   = ["iam:PassRole"]
    resources = var.builder_role_arns

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  # One AssumeRole per build: the api narrows the publisher role to that build's own objects.
  statement {
    sid       = "AssumePublisherPerBuild"
    actions   = ["sts:AssumeRole"]
    resources = [var.publisher_role_arn]
  }

  statement {
    sid       = "ReadBuildLogs"
    actions   = ["logs:GetLogEvents", "logs:FilterLogEvents", "logs:DescribeLogStreams"]
    resources = [var.builder_log_group_arn, "${var.builder_log_group_arn}:*"]
  }

  statement {
    sid       = "ReadWriteRoutes"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.artifacts_bucket_arn}/routes/*"]
  }

  statement {
    sid       = "ReadDeployments"
    actions   = ["s3:GetObject"]
    resources = ["${var.artifacts_bucket_arn}/deployments/*"]
  }

  # When a build dies before it can upload its log, the api copies it from CloudWatch.
  statement {
    sid       = "WriteBuildLogCopies"
    actions   = ["s3:PutObject"]
    resources = ["${var.artifacts_bucket_arn}/deployments/*/build.log"]
  }

  # Garbage collection (docs/deployments.md): deployments retention lets go, partial
  # publishes, and the caches of deleted projects. Deleting is all it may do in cache/.
  statement {
    sid     = "CollectGarbage"
    actions = ["s3:DeleteObject"]
    resources = [
      "${var.artifacts_bucket_arn}/deployments/*",
      "${var.artifacts_bucket_arn}/cache/*",
    ]
  }

  statement {
    sid       = "ListRoutesDeploymentsAndCaches"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["routes/*", "deployments/*", "cache/*"]
    }
  }

  # The database password rotates (RDS-managed, every 7 days): the api reads the current
  # one for new connections (services/api/db/credentials.py). No other secret: ECS injects
  # those through the execution role, and code in the api task cannot read them again.
  statement {
    sid       = "ReadTheRotatingDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_secret_arn]
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "api"
  role   = aws_iam_role.api.id
  policy = data.aws_iam_policy_document.api.json
}

# --- proxy: data plane, read-only ---

resource "aws_iam_role" "proxy" {
  name_prefix        = "${var.name_prefix}-proxy-"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "proxy" {
  statement {
    sid     = "ReadRoutesAndDeployments"
    actions = ["s3:GetObject"]
    resources = [
      "${var.artifacts_bucket_arn}/routes/*",
      "${var.artifacts_bucket_arn}/deployments/*",
    ]
  }

  # Without ListBucket, S3 answers 403 instead of 404 for a missing key, and an unknown
  # host would look like a permissions error.
  statement {
    sid       = "KnowMissingKeys"
    actions   = ["s3:ListBucket"]
    resources = [var.artifacts_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["routes/*", "deployments/*"]
    }
  }
}

resource "aws_iam_role_policy" "proxy" {
  name   = "proxy"
  role   = aws_iam_role.proxy.id
  policy = data.aws_iam_policy_document.proxy.json
}

# --- optional customer-managed key of the artifacts bucket ---

data "aws_iam_policy_document" "kms" {
  count = var.kms_key_arn != null ? 1 : 0

  statement {
    sid       = "ArtifactsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "kms" {
  for_each = var.kms_key_arn != null ? { api = aws_iam_role.api.id, proxy = aws_iam_role.proxy.id } : {}

  name   = "artifacts-kms"
  role   = each.value
  policy = data.aws_iam_policy_document.kms[0].json
}
