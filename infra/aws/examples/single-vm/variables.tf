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
  description = "DNS name of the public proxy (enables TLS with Caddy together with management_domain and dashboard_domain)."
  type        = string
  default     = ""
}

variable "management_domain" {
  description = "DNS name of the management API the dashboard calls; same registrable domain as dashboard_domain (e.g. manage.example.com)."
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

variable "database_ca_bundle_url" {
  description = "PEM bundle of the CA that signed the database's certificate, downloaded at every boot and given to the gateway as DATABASE_CA_FILE (verified TLS). For RDS: https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem. Empty: sslmode in DATABASE_URL decides."
  type        = string
  default     = ""
}

variable "local_redis" {
  description = "Run Redis on the VM instead of a managed one (then REDIS_URL is not a secret)."
  type        = bool
  default     = false
}

variable "allowed_cidrs" {
  description = "Networks allowed to reach the public ports (the proxy and the dashboard; 80/443 with TLS). No default: name your clients, or [\"0.0.0.0/0\"] for a public API, on purpose."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidrs) > 0 && alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_cidrs needs at least one network in CIDR notation (e.g. 203.0.113.0/24)."
  }
}

variable "management_allowed_cidrs" {
  description = "Networks allowed to reach the management API, i.e. where the dashboard is used (VPN, office). Empty: nobody."
  type        = list(string)
  default     = []
}

variable "admin_emails" {
  description = "Addresses that become admins (operators) when they sign in."
  type        = list(string)

  validation {
    condition     = length(var.admin_emails) > 0
    error_message = "admin_emails needs at least one address, or nobody can administer the gateway from the dashboard."
  }
}

variable "mail_from" {
  description = "Sender of sign-in mails (MAIL_FROM); empty for the gateway's default."
  type        = string
  default     = ""
}

variable "email_sign_in" {
  description = "Sign in by mailed links: SMTP_URL becomes a required secret. Set OIDC_ISSUER (and OIDC_CLIENT_ID) in extra_config for single sign-on; OIDC_CLIENT_SECRET is then a secret."
  type        = bool
  default     = true
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

# DATABASE_URL, ADMIN_API_TOKEN, SESSION_SECRET (and REDIS_URL unless local_redis, SMTP_URL when
# email_sign_in, OIDC_CLIENT_SECRET with OIDC_ISSUER in extra_config): supply with
#   export TF_VAR_secret_values='{"DATABASE_URL":"postgres://…","REDIS_URL":"rediss://…","ADMIN_API_TOKEN":"…","SESSION_SECRET":"…","SMTP_URL":"smtp://…"}'
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
