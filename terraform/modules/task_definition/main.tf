locals {
  # Fargate's valid memory sizes (MiB) for each cpu size.
  fargate_memory = {
    256   = [512, 1024, 2048]
    512   = range(1024, 4097, 1024)
    1024  = range(2048, 8193, 1024)
    2048  = range(4096, 16385, 1024)
    4096  = range(8192, 30721, 1024)
    8192  = range(16384, 61441, 4096)
    16384 = range(32768, 122881, 8192)
  }

  shared = length(var.containers) > 1

  # Every container has a read-only root filesystem; /tmp, on the task's own storage, is
  # its one writable place. The settings each container may leave out are added only
  # when set: ECS's API refuses nulls.
  container_definitions = [
    for c in var.containers : merge(
      {
        name                   = c.name
        image                  = c.image
        essential              = c.essential
        cpu                    = floor(var.cpu / length(var.containers))
        readonlyRootFilesystem = true
        mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
        environment            = [for name, value in c.environment : { name = name, value = value }]
        logConfiguration = {
          logDriver = "awslogs"
          options = {
            awslogs-group         = var.log_group
            awslogs-region        = var.region
            awslogs-stream-prefix = coalesce(c.log_stream_prefix, c.name)
          }
        }
      },
      # Alone, a container may use all of the task's memory; beside others it reserves
      # its share and may use more while they do not.
      local.shared ? { memoryReservation = floor(var.memory / length(var.containers)) } : { memory = var.memory },
      c.command == null ? {} : { command = c.command },
      c.port == null ? {} : { portMappings = [{ containerPort = c.port, protocol = "tcp" }] },
      length(c.secrets) == 0 ? {} : {
        secrets = [for name, arn in c.secrets : { name = name, valueFrom = arn }]
      },
      c.liveness_path == null ? {} : {
        healthCheck = {
          command = ["CMD", "python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${c.port}${c.liveness_path}', timeout=3)"]
          # Liveness only: a database or S3 outage must not get healthy tasks replaced.
          interval    = 15
          timeout     = 5
          retries     = 3
          startPeriod = 30
        }
      },
      c.stop_timeout == null ? {} : { stopTimeout = c.stop_timeout },
      # A container that is not essential does not take its task down when it exits:
      # ECS starts it again in place (at most once a minute), and the others go on.
      c.essential ? {} : { restartPolicy = { enabled = true, restartAttemptPeriod = 60 } },
    )
  ]

  # The whole RegisterTaskDefinition request, in the ECS API's own names. Terraform
  # registers it as the family's first revision; `make release` registers it again with
  # its image tag, so what runs is exactly what this module (and checkov) describes.
  request = {
    family                  = var.family
    taskRoleArn             = var.task_role_arn
    executionRoleArn        = var.execution_role_arn
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = tostring(var.cpu)
    memory                  = tostring(var.memory)
    runtimePlatform         = { cpuArchitecture = var.cpu_architecture, operatingSystemFamily = "LINUX" }
    volumes                 = [{ name = "tmp" }]
    containerDefinitions    = local.container_definitions
    tags                    = [for key, value in var.tags : { key = key, value = value }]
  }
}

# The first revision, so that services (and the api's builds) have one to start. Every
# later revision is a release's: Terraform ignores changes here, so an apply never
# registers a revision with the placeholder image that would become the family's latest,
# and never deregisters one (skip_destroy).
resource "aws_ecs_task_definition" "this" {
  family                   = local.request.family
  requires_compatibilities = local.request.requiresCompatibilities
  network_mode             = local.request.networkMode
  cpu                      = local.request.cpu
  memory                   = local.request.memory
  execution_role_arn       = local.request.executionRoleArn
  task_role_arn            = local.request.taskRoleArn
  skip_destroy             = true

  runtime_platform {
    operating_system_family = local.request.runtimePlatform.operatingSystemFamily
    cpu_architecture        = local.request.runtimePlatform.cpuArchitecture
  }

  dynamic "volume" {
    for_each = local.request.volumes
    content {
      name = volume.value.name
    }
  }

  container_definitions = jsonencode(local.request.containerDefinitions)

  tags = var.tags

  lifecycle {
    ignore_changes = all

    precondition {
      condition     = contains(try(local.fargate_memory[tostring(var.cpu)], []), var.memory)
      error_message = "memory must be a valid Fargate size for the chosen cpu (e.g. cpu 256 takes 512, 1024 or 2048 MiB; cpu 1024 takes 2048 to 8192 in 1024 steps)."
    }
  }
}
