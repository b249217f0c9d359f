# What the mocked AWS provider answers in every plan of the stack (plan.tftest.hcl,
# environments.tftest.hcl): data sources answer as a real account in eu-west-1 does.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/operator"
    user_id    = "AIDAEXAMPLEOPERATOR00"
  }
}

mock_data "aws_region" {
  defaults = {
    id          = "eu-west-1"
    name        = "eu-west-1"
    description = "Europe (Ireland)"
    endpoint    = "ec2.eu-west-1.amazonaws.com"
  }
}

mock_data "aws_partition" {
  defaults = {
    id                 = "aws"
    partition          = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
  }
}

# Regular zones only: the stack filters out opted-in Local and Wavelength Zones.
mock_data "aws_availability_zones" {
  defaults = {
    id       = "eu-west-1"
    names    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    zone_ids = ["euw1-az3", "euw1-az1", "euw1-az2"]
  }
}

mock_data "aws_elb_service_account" {
  defaults = {
    id  = "156460612806"
    arn = "arn:aws:iam::156460612806:root"
  }
}

# Documents whose inputs are all known are rendered at plan time; a well-formed empty
# policy stands in for the JSON the provider would write.
mock_data "aws_iam_policy_document" {
  defaults = {
    json          = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_secretsmanager_random_password" {
  defaults = {
    random_password = "generated-at-apply-time-0123456789abcdefghijklmn"
  }
}
