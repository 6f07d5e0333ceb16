output "instance_id" {
  description = "EC2 instance id (aws ssm start-session --target <id>)."
  value       = aws_instance.this.id
}

output "security_group_id" {
  description = "Security group of the instance (allow it in the database's and Redis's security groups)."
  value       = aws_security_group.instance.id
}

output "tls" {
  description = "Whether Caddy terminates TLS on the instance."
  value       = local.tls
}

output "data_volume_id" {
  description = "EBS volume with Caddy's certificates, kept across instance replacements."
  value       = aws_ebs_volume.data.id
}
