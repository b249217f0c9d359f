output "topic_arn" {
  description = "ARN of the SNS topic every alarm notifies (subscribe chat or paging integrations here)."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of every alarm of the platform."
  value = sort(concat(
    [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.tasks_below_desired : a.alarm_name],
  ))
}
