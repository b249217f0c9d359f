# ECS acts through the AWSServiceRoleForECS service-linked role (ENIs of Fargate tasks,
# load balancer registration). AWS creates it on first use, but in a brand-new account
# the first CreateService can run before it exists and fail ("Unable to assume the
# service linked role"). An account that already has it sets create_service_linked_role
# to false (creating it twice fails: the name is taken).
resource "aws_iam_service_linked_role" "ecs" {
  count = var.create_service_linked_role ? 1 : 0

  aws_service_name = "ecs.amazonaws.com"

  tags = var.tags
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.enable_container_insights ? "enabled" : "disabled"
  }

  tags = var.tags

  # Services and tasks reach the role through the cluster (module.cluster.arn).
  depends_on = [aws_iam_service_linked_role.ecs]
}

# Services run on FARGATE by default; builds may ask for FARGATE_SPOT in RunTask
# (about 70 % cheaper, and a reclaimed build is simply retried).
resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 1
  }
}
