# Test-only (tests/aws): moto has no ListTagsForResource for Application Auto Scaling, so
# the provider never finishes reading a scalable target. Autoscaling is planned with the
# mocked provider (terraform/stacks/platform/tests) and validated; here it is left out.
resource "aws_appautoscaling_target" "this" {
  count = 0
}

resource "aws_appautoscaling_policy" "cpu" {
  count              = 0
  service_namespace  = "ecs"
  resource_id        = "service/emulated/none"
  scalable_dimension = "ecs:service:DesiredCount"
}

resource "aws_appautoscaling_policy" "requests" {
  count              = 0
  service_namespace  = "ecs"
  resource_id        = "service/emulated/none"
  scalable_dimension = "ecs:service:DesiredCount"
}
