variable "region" {
  description = "AWS region."
  type        = string
}

variable "environment" {
  description = "Environment name, used in resource names and the SSM path."
  type        = string
  default     = "prod"
}

variable "vpc_id" {
  description = "VPC to run in."
  type        = string
}

variable "subnet_id" {
  description = "Public subnet for the instance."
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type (x86_64)."
  type        = string
  default     = "t3.small"
}

variable "ghcr_owner" {
  description = "GitHub owner of the images (ghcr.io/<owner>/api-gateway, ghcr.io/<owner>/api-gateway-dashboard)."
  type        = string
}

variable "app_version" {
  description = "Released version to run, e.g. 1.2.3."
  type        = string
}

variable "gateway_domain" {
  description = "DNS name of the gateway (enables TLS with Caddy together with dashboard_domain)."
  type        = string
  default     = ""
}

variable "dashboard_domain" {
  description = "DNS name of the dashboard."
  type        = string
  default     = ""
}

variable "internal_api_base_url" {
  description = "The internal API behind the gateway."
  type        = string
}

variable "local_redis" {
  description = "Run Redis on the VM instead of a managed one (then REDIS_URL is not a secret)."
  type        = bool
  default     = false
}

variable "allowed_cidrs" {
  description = "Networks allowed to reach the VM's published ports."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = 30
}

variable "extra_config" {
  description = "More non-secret gateway settings (environment variable name => value), e.g. LOG_LEVEL."
  type        = map(string)
  default     = {}
}

# DATABASE_URL, ADMIN_API_TOKEN, SESSION_SECRET (and REDIS_URL unless local_redis): supply with
#   export TF_VAR_secret_values='{"DATABASE_URL":"postgres://…","REDIS_URL":"rediss://…","ADMIN_API_TOKEN":"…","SESSION_SECRET":"…"}'
# never in a committed file. Write-only: kept out of the plan and the state.
variable "secret_values" {
  description = "Gateway secrets by environment variable name. Ephemeral: never stored."
  type        = map(string)
  sensitive   = true
  ephemeral   = true
}

variable "secrets_version" {
  description = "Increase to push changed secret_values to SSM."
  type        = number
  default     = 1
}
