variable "path" {
  description = "Parameter path, e.g. /api-gateway/prod (no trailing slash). Every parameter is <path>/<ENV_VAR_NAME>."
  type        = string

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.\\-/]+[^/]$", var.path))
    error_message = "path must start with / and must not end with /."
  }
}

variable "config" {
  description = "Non-secret gateway settings stored as String parameters (name = environment variable)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.config) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "config keys must be environment variable names (A-Z, 0-9, _)."
  }
}

variable "secret_names" {
  description = "Names of the SecureString parameters (environment variable names). Values come from secret_values."
  type        = set(string)
  default     = ["DATABASE_URL", "REDIS_URL", "ADMIN_API_TOKEN", "SESSION_SECRET"]
}

# Write-only: Terraform sends these to SSM but keeps them out of plans and state. Supply them through
# TF_VAR_secret_values (never a committed .tfvars file) on every plan/apply.
variable "secret_values" {
  description = "Values for secret_names. Ephemeral and sensitive: never stored in state."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "secrets_version" {
  description = "Increase to push new secret_values (write-only values cannot be diffed)."
  type        = number
  default     = 1
}

variable "kms_key_id" {
  description = "KMS key for the SecureStrings; null for the AWS-managed aws/ssm key."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every parameter."
  type        = map(string)
  default     = {}
}
