# The request each family's revisions are registered from, planned with a mocked AWS
# provider: `terraform test` in modules/task_definition (tests/terraform/test_plan.py).

mock_provider "aws" {}

variables {
  family             = "slipway-api"
  cpu                = 512
  memory             = 1024
  task_role_arn      = "arn:aws:iam::123456789012:role/slipway-api"
  execution_role_arn = "arn:aws:iam::123456789012:role/slipway-execution"
  region             = "eu-west-1"
  log_group          = "/ecs/slipway-api"
  containers = [
    {
      name          = "api"
      image         = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway/services:bootstrap"
      command       = ["python", "-m", "services.api"]
      port          = 8000
      environment   = { SLIPWAY_BIND = "0.0.0.0", SLIPWAY_API_PORT = "8000" }
      secrets       = { SLIPWAY_API_TOKEN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:t-AbCdEf" }
      liveness_path = "/livez"
      stop_timeout  = 30
    },
  ]
}

run "one_container_is_hardened_and_owns_the_task" {
  command = plan

  assert {
    condition     = output.request.runtimePlatform.cpuArchitecture == "X86_64" && aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "X86_64"
    error_message = "Tasks run on X86_64 by default."
  }

  assert {
    condition     = output.request.cpu == "512" && output.request.memory == "1024" && output.request.networkMode == "awsvpc"
    error_message = "Task size and network mode are the ECS API's strings."
  }

  assert {
    condition = (
      output.request.containerDefinitions[0].readonlyRootFilesystem &&
      output.request.containerDefinitions[0].mountPoints[0].containerPath == "/tmp" &&
      output.request.containerDefinitions[0].memory == 1024 &&
      output.request.containerDefinitions[0].stopTimeout == 30
    )
    error_message = "A lone container has a read-only root, /tmp on task storage and all the memory."
  }

  assert {
    condition     = output.request.containerDefinitions[0].environment == [{ name = "SLIPWAY_API_PORT", value = "8000" }, { name = "SLIPWAY_BIND", value = "0.0.0.0" }]
    error_message = "The environment is the ECS API's list of names and values, in name order."
  }

  assert {
    condition     = strcontains(output.request.containerDefinitions[0].healthCheck.command[3], "http://127.0.0.1:8000/livez")
    error_message = "The container health check asks liveness on the container's port."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions) == jsondecode(jsonencode(output.request.containerDefinitions))
    error_message = "Terraform registers exactly the request's containers."
  }
}

run "arm64_when_told" {
  command = plan

  variables {
    cpu_architecture = "ARM64"
  }

  assert {
    condition     = aws_ecs_task_definition.this.runtime_platform[0].cpu_architecture == "ARM64"
    error_message = "cpu_architecture reaches the task definition."
  }
}

run "containers_side_by_side_share_the_task" {
  command = plan

  variables {
    cpu    = 256
    memory = 1024
    containers = [
      { name = "proxy", image = "r/services:t", port = 8080, liveness_path = "/livez" },
      { name = "api", image = "r/services:t", port = 8000, essential = false },
    ]
  }

  assert {
    condition = (
      [for c in output.request.containerDefinitions : c.memoryReservation] == [512, 512] &&
      [for c in output.request.containerDefinitions : c.cpu] == [128, 128] &&
      alltrue([for c in output.request.containerDefinitions : !contains(keys(c), "memory")])
    )
    error_message = "Containers beside each other reserve equal shares and may use the rest."
  }

  assert {
    condition     = contains(keys(output.request.containerDefinitions[0]), "healthCheck") && !contains(keys(output.request.containerDefinitions[1]), "healthCheck")
    error_message = "Only a container with a liveness_path gets a health check."
  }

  assert {
    condition = (
      output.request.containerDefinitions[0].essential && !contains(keys(output.request.containerDefinitions[0]), "restartPolicy") &&
      !output.request.containerDefinitions[1].essential && output.request.containerDefinitions[1].restartPolicy.enabled
    )
    error_message = "A container that is not essential is restarted in place; an essential one ends its task."
  }
}

run "one_container_must_be_essential" {
  command = plan

  variables {
    containers = [{ name = "api", image = "r/services:t", essential = false }]
  }

  expect_failures = [var.containers]
}

run "a_size_fargate_lacks_is_refused" {
  command = plan

  variables {
    cpu    = 1024
    memory = 1024
  }

  expect_failures = [aws_ecs_task_definition.this]
}
