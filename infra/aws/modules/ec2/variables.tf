variable "name" {
  description = "Name prefix for the instance and its security group."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the instance."
  type        = string
}

variable "subnet_id" {
  description = "Public subnet of the instance (it needs outbound internet for image pulls, or VPC endpoints)."
  type        = string
}

variable "instance_type" {
  description = "x86_64 Nitro instance type (the released images are linux/amd64; the data volume is found by its NVMe id)."
  type        = string
  default     = "t3.small"
}

variable "ami_id" {
  description = "AMI to use; null picks the latest Ubuntu 24.04 LTS (amd64) from Canonical."
  type        = string
  default     = null
}

variable "root_volume_size_gb" {
  description = "Size of the encrypted gp3 root volume."
  type        = number
  default     = 20
}

variable "data_volume_size_gb" {
  description = "Size of the encrypted gp3 data volume that outlives instance replacements (Caddy's certificates; a few MB)."
  type        = number
  default     = 1
}

variable "eip_allocation_id" {
  description = "Allocation id of the Elastic IP to associate (allocated by the caller, so its address is known before the instance exists)."
  type        = string
}

variable "instance_profile_name" {
  description = "Instance profile from the iam module."
  type        = string
}

variable "ssm_path" {
  description = "SSM path the gateway's configuration and secrets are read from at boot."
  type        = string
}

variable "log_group_name" {
  description = "CloudWatch Logs group for the containers' logs."
  type        = string
}

variable "ghcr_owner" {
  description = "GitHub owner the images are published under (ghcr.io/<owner>/api-gateway)."
  type        = string
}

variable "app_version" {
  description = "Released image version to run (a tag without the leading v). Changing it replaces the instance."
  type        = string
}

variable "gateway_api_url" {
  description = "The management API's URL as operators' browsers reach it (handed to the dashboard as GATEWAY_API_URL)."
  type        = string
}

variable "gateway_proxy_url" {
  description = "The public proxy's URL as API clients reach it (handed to the dashboard as GATEWAY_PROXY_URL, shown beside consumers' keys)."
  type        = string
}

variable "gateway_domain" {
  description = "DNS name for the gateway's public proxy; with management_domain and dashboard_domain set, Caddy terminates TLS on 80/443. Empty: ports 3000/3001 (and 3002 for management_allowed_cidrs) are published directly."
  type        = string
  default     = ""
}

variable "management_domain" {
  description = "DNS name for the management API (tls profile), same registrable domain as dashboard_domain; Caddy admits management_allowed_cidrs only."
  type        = string
  default     = ""
}

variable "dashboard_domain" {
  description = "DNS name for the dashboard (tls profile)."
  type        = string
  default     = ""
}

variable "local_redis" {
  description = "Run Redis on the instance (local-redis profile) instead of a managed Redis."
  type        = bool
  default     = false
}

variable "allowed_cidrs" {
  description = "Client networks allowed to reach the public ports (proxy and dashboard, or 80/443 with TLS). No default: [\"0.0.0.0/0\"] only on purpose."
  type        = list(string)

  validation {
    condition     = length(var.allowed_cidrs) > 0 && alltrue([for c in var.allowed_cidrs : can(cidrhost(c, 0))])
    error_message = "allowed_cidrs needs at least one network in CIDR notation (e.g. 203.0.113.0/24)."
  }
}

variable "management_allowed_cidrs" {
  description = "Networks allowed to reach the management API (where the dashboard is used). Empty: nobody."
  type        = list(string)
  default     = []
}

variable "database_ca_bundle_url" {
  description = "HTTPS URL of the PEM bundle of the CA that signed the database's certificate, fetched at every boot and given to the gateway as DATABASE_CA_FILE (verified TLS, like sslmode=verify-full). AWS RDS: https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem. Empty: none (sslmode in DATABASE_URL decides)."
  type        = string
  default     = ""

  validation {
    condition     = var.database_ca_bundle_url == "" || can(regex("^https://[^'\\s]+$", var.database_ca_bundle_url))
    error_message = "database_ca_bundle_url must be an https:// URL (without quotes or spaces), or empty."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
