# Plans of the whole stack with a mocked AWS provider: `terraform test -var-file=example.tfvars.json`
# (tests/terraform/test_plan.py runs it). Every run starts from the example environment and
# changes what it names.
#
# Mocked resources leave every computed attribute unknown during a plan, as AWS does for
# resources that do not exist yet (ids, ARNs, DNS names). A for_each or count that depends
# on one of them fails here just as the first `make plan` in a fresh account would.
# Data sources answer with what a real account in eu-west-1 answers (mocks/aws.tfmock.hcl).

mock_provider "aws" {
  source = "./tests/mocks"
}

run "example_environment" {
  command = plan

  assert {
    condition     = output.builder_assign_public_ip && length(output.builder_subnet_ids) == 2
    error_message = "Without NAT, tasks run in the two public subnets with public IPs."
  }

  assert {
    condition     = module.network.nat_public_ip == null
    error_message = "The example environment has no NAT gateway."
  }

  assert {
    condition     = length(module.dns) == 1 && module.dns[0].record_names == tolist(["*.sites.example.com", "api.sites.example.com"])
    error_message = "With a hosted zone, the stack creates the api and wildcard records."
  }

  assert {
    condition     = output.api_url == "https://api.sites.example.com"
    error_message = "The api answers at api.<base_domain>."
  }

  assert {
    condition     = [for e in output.task_definitions.proxy.containerDefinitions[0].environment : e.value if e.name == "SLIPWAY_PROXY_WORKERS"] == ["1"]
    error_message = "A proxy task below one vCPU runs one worker."
  }

  assert {
    condition     = length([for e in output.task_definitions.api.containerDefinitions[0].environment : e if e.name == "SLIPWAY_ECS_CAPACITY_PROVIDERS"]) == 0
    error_message = "On X86_64 the api keeps its own choice of capacity (Spot first)."
  }

  assert {
    condition     = [for s in output.task_definitions.builder.containerDefinitions[0].secrets : s.name] == ["SLIPWAY_GIT_TOKEN"]
    error_message = "A build gets the git token, under the name the runner reads, and no other secret."
  }

  assert {
    condition     = [for s in output.task_definitions.proxy.containerDefinitions[0].environment : s.name if can(regex("TOKEN|SECRET", s.name))] == [] && !contains(keys(output.task_definitions.proxy.containerDefinitions[0]), "secrets")
    error_message = "The proxy gets no secret at all."
  }

  assert {
    condition     = length(module.alarms.alarm_names) == 10
    error_message = "ALB 5xx, per target group 5xx and unhealthy targets, per service tasks below desired, the platform's build failures, database CPU and storage: 10 alarms."
  }
}

run "nat_in_three_zones" {
  command = plan

  variables {
    enable_nat = true
    az_count   = 3
  }

  assert {
    condition     = !output.builder_assign_public_ip && length(output.builder_subnet_ids) == 3
    error_message = "With NAT, tasks run in the three private subnets without public IPs."
  }
}

run "own_certificate_and_many_custom_domains" {
  command = plan

  variables {
    route53_zone_id = null
    certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    custom_domains  = ["www.example.org", "example.org", "docs.example.org", "blog.example.net", "shop.example.net", "status.example.com"]
    additional_certificate_arns = [
      "arn:aws:acm:eu-west-1:123456789012:certificate/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
    ]
  }

  assert {
    condition     = length(module.dns) == 0
    error_message = "With a certificate of one's own, DNS is the operator's."
  }
}

run "no_custom_domains_no_access_logs_own_kms_key" {
  command = plan

  variables {
    custom_domains             = []
    enable_access_logs         = false
    enable_deletion_protection = false
    kms_key_arn                = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    alarm_topic_kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    alarm_email_addresses      = []
  }
}

run "large_sizes_in_four_zones_of_us_east_1" {
  command = plan

  override_data {
    target = module.network.data.aws_availability_zones.available
    values = {
      names    = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
      zone_ids = ["use1-az6", "use1-az1", "use1-az2", "use1-az4", "use1-az3", "use1-az5"]
    }
  }

  variables {
    region   = "us-east-1"
    az_count = 4
    api      = { cpu = 2048, memory = 4096, desired_count = 2, min_count = 2, max_count = 10 }
    proxy    = { cpu = 4096, memory = 8192, desired_count = 4, min_count = 4, max_count = 20 }
    builder  = { cpu = 4096, memory = 16384, timeout_seconds = 3600 }
    database = {
      instance_class        = "db.m7g.large"
      engine_version        = "17.4"
      allocated_storage     = 100
      max_allocated_storage = 1000
      multi_az              = true
      backup_retention_days = 30
    }
  }

  assert {
    condition     = length(output.builder_subnet_ids) == 4
    error_message = "Four zones, four task subnets."
  }

  assert {
    condition     = [for e in output.task_definitions.proxy.containerDefinitions[0].environment : e.value if e.name == "SLIPWAY_PROXY_WORKERS"] == ["4"]
    error_message = "A proxy task of four vCPUs runs four workers."
  }

  assert {
    condition = (
      [for e in output.task_definitions.api.containerDefinitions[0].environment : e.value if e.name == "SLIPWAY_BUILD_TIMEOUT"] == ["3600"] &&
      [for e in output.task_definitions.builder.containerDefinitions[0].environment : e.value if e.name == "SLIPWAY_BUILD_TIMEOUT"] == ["3600"]
    )
    error_message = "The api and the runner read the same build timeout."
  }
}

run "smallest_sizes_in_an_account_that_has_the_ecs_role" {
  command = plan

  variables {
    cpu_architecture               = "ARM64"
    create_ecs_service_linked_role = false
    api                            = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 2 }
    proxy                          = { cpu = 256, memory = 512, desired_count = 1, min_count = 1, max_count = 4 }
    builder                        = { cpu = 512, memory = 1024 }
    database                       = { allocated_storage = 20, max_allocated_storage = 50 }
  }

  assert {
    condition     = alltrue([for role, request in output.task_definitions : request.runtimePlatform.cpuArchitecture == "ARM64"])
    error_message = "Every task runs on the images' architecture."
  }

  assert {
    condition     = [for e in output.task_definitions.api.containerDefinitions[0].environment : e.value if e.name == "SLIPWAY_ECS_CAPACITY_PROVIDERS"] == ["FARGATE:1"]
    error_message = "Fargate Spot takes no ARM64 task: ARM64 builds start on on-demand Fargate."
  }
}

run "api_beside_proxy_in_the_small_profile" {
  command = plan

  variables {
    api_beside_proxy          = true
    cpu_architecture          = "ARM64"
    enable_container_insights = false
    proxy                     = { cpu = 256, memory = 1024, desired_count = 1, min_count = 1, max_count = 4 }
  }

  assert {
    condition     = length(module.api) == 0 && keys(output.task_definitions) == ["builder", "proxy"] && keys(output.services) == ["proxy"]
    error_message = "Beside the proxy, the api has no service nor task definition of its own."
  }

  assert {
    condition = (
      [for c in output.task_definitions.proxy.containerDefinitions : c.name] == ["proxy", "api"] &&
      output.task_definitions.proxy.containerDefinitions[0].essential &&
      !output.task_definitions.proxy.containerDefinitions[1].essential
    )
    error_message = "The proxy's task holds the api as a container that is restarted in place, not one that stops the proxy."
  }

  assert {
    condition     = output.api_service_name == output.proxy_service_name && output.api_url == "https://api.sites.example.com"
    error_message = "The api is reached at its own host, in the proxy's service."
  }

  assert {
    condition     = length([for k, r in module.proxy.listener_rule_hosts : r if contains(r, "api.sites.example.com")]) == 1
    error_message = "One listener rule sends the api's host to the api container."
  }
}
