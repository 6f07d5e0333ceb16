variable "name" {
  description = "Prefix for the role, policy and instance profile names."
  type        = string
}

variable "ssm_path" {
  description = "SSM Parameter Store path the instance may read, e.g. /api-gateway/prod (no trailing slash)."
  type        = string

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.\\-/]+[^/]$", var.ssm_path))
    error_message = "ssm_path must start with / and must not end with /."
  }
}

variable "log_group_name" {
  description = "CloudWatch Logs group the instance's containers write to."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key of the SecureString parameters; null when they use the AWS-managed aws/ssm key."
  type        = string
  default     = null
}

variable "enable_session_manager" {
  description = "Allow operators to open a shell through Session Manager (no SSH port), with the minimal channel permissions."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
