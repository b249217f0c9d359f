locals {
  secrets = {
    webhook = {
      description = "Slipway: HMAC secret of the GitHub webhook (give the same value to GitHub)."
      generate    = true
    }
    api_token = {
      description = "Slipway: bearer token of the /api endpoints."
      generate    = true
    }
    github_token = {
      description = "Slipway: GitHub token for private repositories and commit statuses (set it yourself)."
      generate    = false
    }
  }
}

resource "aws_secretsmanager_secret" "this" {
  #checkov:skip=CKV2_AWS_57:The webhook secret must match GitHub's copy and the GitHub token is issued by GitHub; both are rotated by hand (docs/terraform.md).
  for_each = local.secrets

  name                    = "${var.name_prefix}/${replace(each.key, "_", "-")}"
  description             = each.value.description
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_days

  tags = var.tags
}

# Generated once, then left alone: Terraform ignores later changes so a value rotated by
# hand (put-secret-value) is kept. The value is in the Terraform state, which therefore
# lives in an encrypted, private state bucket.
data "aws_secretsmanager_random_password" "this" {
  for_each = { for k, v in local.secrets : k => v if v.generate }

  password_length     = 48
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "generated" {
  for_each = data.aws_secretsmanager_random_password.this

  secret_id     = aws_secretsmanager_secret.this[each.key].id
  secret_string = each.value.random_password

  lifecycle {
    ignore_changes = [secret_string]
  }
}
