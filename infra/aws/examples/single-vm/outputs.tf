output "instance_id" {
  description = "Instance id, for `aws ssm start-session --target <id>`."
  value       = module.ec2.instance_id
}

output "public_ip" {
  description = "Elastic IP: point gateway_domain, management_domain and dashboard_domain here."
  value       = aws_eip.app.public_ip
}

output "gateway_url" {
  description = "Public URL of the gateway's proxy (API clients call <url>/proxy/…)."
  value       = local.gateway_public_url
}

output "management_url" {
  description = "URL of the management API (the dashboard's GATEWAY_API_URL), open to management_allowed_cidrs only."
  value       = local.management_public_url
}

output "dashboard_url" {
  description = "Public URL of the dashboard."
  value       = local.dashboard_public_url
}

output "ssm_path" {
  description = "Where the configuration and secrets live; change a parameter, then run api-gateway-refresh on the VM."
  value       = module.ssm.path
}

output "security_group_id" {
  description = "Allow this group in the database's and Redis's security groups."
  value       = module.ec2.security_group_id
}

output "instance_role_name" {
  description = "The instance role (reads its SSM path, writes its log group)."
  value       = module.iam.role_name
}

output "log_group_name" {
  description = "CloudWatch Logs group of the containers."
  value       = aws_cloudwatch_log_group.app.name
}
