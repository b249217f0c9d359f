# A plan of one environment file as `make plan` would run it: tests/terraform/test_environments.py
# renders every environments/*.yaml to tfvars with the deploy scripts and runs this file
# with each (`terraform test -var-file=<name>.tfvars.json -filter=tests/environments.tftest.hcl`).
# test_plan.py also runs it with example.tfvars.json. The assertions hold for any input.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "environment_file" {
  command = plan

  assert {
    condition     = output.builder_assign_public_ip == !var.enable_nat && length(output.builder_subnet_ids) == var.az_count
    error_message = "Tasks run in one subnet per zone: public ones with public IPs without NAT, private ones behind NAT."
  }

  assert {
    condition     = module.network.nat_public_ip == null || var.enable_nat
    error_message = "A NAT gateway only when enable_nat is set."
  }

  # api and proxy: 5xx and unhealthy targets each, one ALB 5xx, the platform's build
  # failures, database CPU and storage (8); then two more per service: below its desired
  # count (Container Insights) or no healthy target.
  assert {
    condition     = length(module.alarms.alarm_names) == 10
    error_message = "10 alarms, with Container Insights or without."
  }

  assert {
    condition     = length([for name in module.alarms.alarm_names : name if endswith(name, "-tasks-below-desired")]) == (var.enable_container_insights ? 2 : 0)
    error_message = "The task-count alarms read Container Insights metrics: they exist only when it is on."
  }
}
