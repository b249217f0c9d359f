locals {
  api_host = "api.${var.base_domain}"

  # Without NAT, tasks live in public subnets with public IPs; their security groups admit
  # nothing from the internet. With NAT, they live in private subnets.
  task_subnet_ids  = var.enable_nat ? module.network.private_subnet_ids : module.network.public_subnet_ids
  assign_public_ip = !var.enable_nat

  certificate_arn = var.route53_zone_id != null ? one(module.dns[*].certificate_arn) : var.certificate_arn
  log_bucket      = var.enable_access_logs ? module.logs.bucket : null

  services_image = "${module.registry.repository_urls["services"]}:${var.image_tag}"
  builder_image  = "${module.registry.repository_urls["builder"]}:${var.image_tag}"
}

data "aws_caller_identity" "current" {}

module "logs" {
  source = "../../modules/logs"

  bucket_name   = "${var.name}-logs-${data.aws_caller_identity.current.account_id}"
  force_destroy = !var.enable_deletion_protection
}

module "network" {
  source = "../../modules/network"

  name                = var.name
  cidr_block          = var.vpc_cidr
  az_count            = var.az_count
  enable_nat          = var.enable_nat
  flow_log_bucket_arn = module.logs.arn
}

module "artifacts" {
  source = "../../modules/artifacts"

  bucket_name           = "${var.name}-artifacts-${data.aws_caller_identity.current.account_id}"
  kms_key_arn           = var.kms_key_arn
  cache_expiration_days = var.cache_expiration_days
  access_log_bucket     = local.log_bucket
  force_destroy         = !var.enable_deletion_protection
}

module "registry" {
  source = "../../modules/registry"

  name_prefix     = var.name
  repositories    = ["services", "builder"]
  retention_count = var.image_retention_count
  force_delete    = !var.enable_deletion_protection
}

module "cluster" {
  source = "../../modules/cluster"

  name                       = var.name
  enable_container_insights  = var.enable_container_insights
  create_service_linked_role = var.create_ecs_service_linked_role
}

module "secrets" {
  source = "../../modules/secrets"

  name_prefix = var.name
}

module "dns" {
  source = "../../modules/dns"
  count  = var.route53_zone_id != null ? 1 : 0

  zone_id      = var.route53_zone_id
  domain       = var.base_domain
  alb_dns_name = module.edge.dns_name
  alb_zone_id  = module.edge.zone_id
}

module "edge" {
  source = "../../modules/edge"

  name                        = var.name
  vpc_id                      = module.network.vpc_id
  subnet_ids                  = module.network.public_subnet_ids
  certificate_arn             = local.certificate_arn
  additional_certificate_arns = var.additional_certificate_arns
  enable_deletion_protection  = var.enable_deletion_protection
  access_log_bucket           = local.log_bucket
}

module "builder" {
  source = "../../modules/builder"

  name                    = "${var.name}-builder"
  vpc_id                  = module.network.vpc_id
  image                   = local.builder_image
  cpu                     = var.builder.cpu
  memory                  = var.builder.memory
  cpu_architecture        = var.cpu_architecture
  repository_arn          = module.registry.repository_arns["builder"]
  artifacts_bucket_arn    = module.artifacts.arn
  kms_key_arn             = var.kms_key_arn
  github_token_secret_arn = module.secrets.arns["github_token"]
  log_retention_days      = var.log_retention_days
  timeout_seconds         = var.builder.timeout_seconds

  publisher_trusted_role_arns = [module.task_roles.api_role_arn]
}

module "task_roles" {
  source = "../../modules/task_roles"

  name_prefix           = var.name
  cluster_arn           = module.cluster.arn
  artifacts_bucket_arn  = module.artifacts.arn
  kms_key_arn           = var.kms_key_arn
  repository_arn        = module.registry.repository_arns["services"]
  log_group_arns        = concat(module.api[*].log_group_arn, [module.proxy.log_group_arn])
  builder_task_family   = module.builder.task_family
  builder_role_arns     = [module.builder.task_role_arn, module.builder.execution_role_arn]
  publisher_role_arn    = module.builder.publisher_role_arn
  builder_log_group_arn = module.builder.log_group_arn
  api_secret_arns       = values(module.secrets.arns)
  database_secret_arn   = module.database.master_secret_arn
}

# The api's settings, the same whether it has a service of its own or runs beside the proxy.
locals {
  api_command = ["python", "-m", "services.api"]
  api_environment = merge({
    SLIPWAY_API_PORT      = "8000"
    SLIPWAY_AWS_REGION    = var.region
    SLIPWAY_BASE_DOMAIN   = var.base_domain
    SLIPWAY_BIND          = "0.0.0.0"
    SLIPWAY_BUILDER       = "ecs"
    SLIPWAY_BUILD_TIMEOUT = tostring(var.builder.timeout_seconds)
    # Where the services image (Dockerfile) puts the RDS CA bundle.
    SLIPWAY_DATABASE_CA_FILE = "/etc/ssl/certs/rds-global-bundle.pem"
    SLIPWAY_DATABASE_HOST    = module.database.address
    SLIPWAY_DATABASE_NAME    = module.database.db_name
    SLIPWAY_DATABASE_PORT    = tostring(module.database.port)
    # The api reads the RDS-managed secret itself, for every new connection: RDS rotates
    # the password every 7 days, and a value injected at start would go stale.
    SLIPWAY_DATABASE_SECRET_ARN     = module.database.master_secret_arn
    SLIPWAY_DATABASE_SSLMODE        = "verify-full"
    SLIPWAY_ECS_ASSIGN_PUBLIC_IP    = tostring(local.assign_public_ip)
    SLIPWAY_ECS_BUILDER_CONTAINER   = module.builder.container_name
    SLIPWAY_ECS_BUILDER_LOG_GROUP   = module.builder.log_group
    SLIPWAY_ECS_BUILDER_LOG_PREFIX  = module.builder.log_stream_prefix
    SLIPWAY_ECS_BUILDER_TASK_FAMILY = module.builder.task_family
    SLIPWAY_ECS_CLUSTER             = module.cluster.name
    SLIPWAY_ECS_PUBLISHER_ROLE_ARN  = module.builder.publisher_role_arn
    SLIPWAY_ECS_SECURITY_GROUPS     = module.builder.security_group_id
    SLIPWAY_ECS_SUBNETS             = join(",", local.task_subnet_ids)
    SLIPWAY_PUBLIC_PORT             = "443"
    SLIPWAY_PUBLIC_SCHEME           = "https"
    SLIPWAY_STORAGE_URL             = "s3://${module.artifacts.bucket}"
    },
    # Fargate Spot takes no ARM64 task: ARM64 builds start on on-demand Fargate. Otherwise
    # the api's own default (Spot first) applies.
    var.cpu_architecture == "ARM64" ? { SLIPWAY_ECS_CAPACITY_PROVIDERS = "FARGATE:1" } : {},
  )
  api_secrets = {
    SLIPWAY_API_TOKEN             = module.secrets.arns["api_token"]
    SLIPWAY_GITHUB_WEBHOOK_SECRET = module.secrets.arns["webhook"]
    SLIPWAY_GITHUB_TOKEN          = module.secrets.arns["github_token"]
  }
}

# Beside the proxy (api_beside_proxy), the api has no service of its own.
module "api" {
  source = "../../modules/service"
  count  = var.api_beside_proxy ? 0 : 1

  name                  = "${var.name}-api"
  container_name        = "api"
  container_port        = 8000
  image                 = local.services_image
  command               = local.api_command
  cpu                   = var.api.cpu
  memory                = var.api.memory
  cpu_architecture      = var.cpu_architecture
  desired_count         = var.api.desired_count
  min_count             = var.api.min_count
  max_count             = var.api.max_count
  cluster_arn           = module.cluster.arn
  vpc_id                = module.network.vpc_id
  subnet_ids            = local.task_subnet_ids
  assign_public_ip      = local.assign_public_ip
  vpc_egress_ports      = [5432]
  alb_security_group_id = module.edge.security_group_id
  alb_arn_suffix        = module.edge.arn_suffix
  listener_arn          = module.edge.https_listener_arn
  listener_priority     = 10
  host_headers          = [local.api_host]
  execution_role_arn    = module.task_roles.execution_role_arn
  task_role_arn         = module.task_roles.api_role_arn
  log_retention_days    = var.log_retention_days
  environment           = local.api_environment
  secrets               = local.api_secrets
}

moved {
  from = module.api
  to   = module.api[0]
}

# Where the api runs: its own service, or the proxy's tasks (api_beside_proxy).
locals {
  # The ECS services, by the task definition each runs (output task_definitions).
  services = merge(
    { proxy = module.proxy.service_name },
    var.api_beside_proxy ? {} : { api = one(module.api[*].service_name) },
  )

  api_runs_in = {
    service_name            = coalesce(one(module.api[*].service_name), module.proxy.service_name)
    task_family             = coalesce(one(module.api[*].task_family), module.proxy.task_family)
    log_group               = coalesce(one(module.api[*].log_group), module.proxy.log_group)
    security_group_id       = coalesce(one(module.api[*].security_group_id), module.proxy.security_group_id)
    target_group_arn_suffix = coalesce(one(module.api[*].target_group_arn_suffix), module.proxy.sidecar_target_group_arn_suffix)
  }
}

module "proxy" {
  source = "../../modules/service"

  name                  = "${var.name}-proxy"
  container_name        = "proxy"
  container_port        = 8080
  image                 = local.services_image
  command               = ["python", "-m", "services.proxy"]
  cpu                   = var.proxy.cpu
  memory                = var.proxy.memory
  cpu_architecture      = var.cpu_architecture
  desired_count         = var.proxy.desired_count
  min_count             = var.proxy.min_count
  max_count             = var.proxy.max_count
  cluster_arn           = module.cluster.arn
  vpc_id                = module.network.vpc_id
  subnet_ids            = local.task_subnet_ids
  assign_public_ip      = local.assign_public_ip
  alb_security_group_id = module.edge.security_group_id
  alb_arn_suffix        = module.edge.arn_suffix
  listener_arn          = module.edge.https_listener_arn
  listener_priority     = 100
  host_headers          = concat(["*.${var.base_domain}"], var.custom_domains)
  execution_role_arn    = module.task_roles.execution_role_arn
  # Beside the api, the task runs with the api's role: the proxy shares it.
  task_role_arn      = var.api_beside_proxy ? module.task_roles.api_role_arn : module.task_roles.proxy_role_arn
  log_retention_days = var.log_retention_days
  sidecar = !var.api_beside_proxy ? null : {
    name              = "api"
    port              = 8000
    command           = local.api_command
    environment       = local.api_environment
    secrets           = local.api_secrets
    host_headers      = [local.api_host]
    listener_priority = 10
    vpc_egress_ports  = [5432]
  }
  environment = {
    SLIPWAY_BASE_DOMAIN = var.base_domain
    SLIPWAY_BIND        = "0.0.0.0"
    SLIPWAY_PROXY_PORT  = "8080"
    # One worker per vCPU (1024 cpu units); below one vCPU, one worker.
    SLIPWAY_PROXY_WORKERS = tostring(max(1, floor(var.proxy.cpu / 1024)))
    SLIPWAY_PUBLIC_PORT   = "443"
    SLIPWAY_PUBLIC_SCHEME = "https"
    SLIPWAY_STORAGE_URL   = "s3://${module.artifacts.bucket}"
  }
  secrets = {}
}

module "database" {
  source = "../../modules/database"

  identifier                 = "${var.name}-db"
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_groups    = { api = local.api_runs_in.security_group_id }
  instance_class             = var.database.instance_class
  engine_version             = var.database.engine_version
  allocated_storage          = var.database.allocated_storage
  max_allocated_storage      = var.database.max_allocated_storage
  multi_az                   = var.database.multi_az
  backup_retention_days      = var.database.backup_retention_days
  enable_deletion_protection = var.enable_deletion_protection
}

module "alarms" {
  source = "../../modules/alarms"

  name                     = "${var.name}-alarms"
  email_addresses          = var.alarm_email_addresses
  kms_key_arn              = var.alarm_topic_kms_key_arn
  load_balancer_arn_suffix = module.edge.arn_suffix
  target_groups = {
    api   = local.api_runs_in.target_group_arn_suffix
    proxy = module.proxy.target_group_arn_suffix
  }
  cluster_name           = module.cluster.name
  container_insights     = var.enable_container_insights
  services               = local.services
  api_log_group          = local.api_runs_in.log_group
  db_instance_identifier = module.database.identifier
}
