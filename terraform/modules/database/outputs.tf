output "address" {
  description = "Host name of the database."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the database."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "master_secret_arn" {
  description = "ARN of the RDS-managed secret holding the master username and password."
  value       = try(aws_db_instance.this.master_user_secret[0].secret_arn, null)
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}

output "identifier" {
  description = "Identifier of the DB instance (the DBInstanceIdentifier dimension of its metrics)."
  value       = aws_db_instance.this.identifier
}
