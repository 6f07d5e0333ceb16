output "path" {
  description = "The parameter path (what the instance reads with GetParametersByPath)."
  value       = var.path
}

output "parameter_arns" {
  description = "ARNs of every parameter this module manages."
  value       = concat([for p in aws_ssm_parameter.config : p.arn], [for p in aws_ssm_parameter.secret : p.arn])
}

output "secret_parameter_names" {
  description = "Names of the SecureString parameters."
  value       = [for p in aws_ssm_parameter.secret : p.name]
}
