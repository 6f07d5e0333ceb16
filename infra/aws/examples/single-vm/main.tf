# One VM running the released images with Docker Compose; configuration and secrets in SSM Parameter
# Store; logs in CloudWatch. PostgreSQL (and Redis, unless local_redis) are managed services you
# point DATABASE_URL / REDIS_URL at.
locals {
  name     = "api-gateway-${var.environment}"
  ssm_path = "/api-gateway/${var.environment}"
  tls      = var.gateway_domain != "" && var.management_domain != "" && var.dashboard_domain != ""

  # Without TLS the services are reached on the Elastic IP's ports directly (plain HTTP); the management
  # port answers management_allowed_cidrs only. Dashboard and management API share a site either way
  # (one IP, or one registrable domain), so the SameSite=Lax session cookie travels.
  gateway_public_url    = local.tls ? "https://${var.gateway_domain}" : "http://${aws_eip.app.public_ip}:3001"
  management_public_url = local.tls ? "https://${var.management_domain}" : "http://${aws_eip.app.public_ip}:3002"
  dashboard_public_url  = local.tls ? "https://${var.dashboard_domain}" : "http://${aws_eip.app.public_ip}:3000"
  # Single sign-on when extra_config names an issuer; mailed links unless email_sign_in is false.
  oidc = contains(keys(var.extra_config), "OIDC_ISSUER")

  config = merge(
    {
      INTERNAL_API_BASE_URL = var.internal_api_base_url
      DASHBOARD_ORIGIN      = local.dashboard_public_url
      # Caddy reaches the gateway over the Compose network.
      TRUST_PROXY    = local.tls ? "loopback,uniquelocal" : "loopback"
      SECURE_COOKIES = local.tls ? "true" : "false"
      LOG_LEVEL      = "info"
      ADMIN_EMAILS   = join(",", var.admin_emails)
    },
    var.mail_from != "" ? { MAIL_FROM = var.mail_from } : {},
    local.oidc ? { OIDC_REDIRECT_URI = "${local.management_public_url}/auth/oidc/callback" } : {},
    var.local_redis ? { REDIS_URL = "redis://redis:6379" } : {},
    var.extra_config,
  )
}

# Allocated before the instance so its address can go into the configuration (and DNS) up front,
# and survives instance replacements.
resource "aws_eip" "app" {
  domain = "vpc"
  tags   = { Name = local.name }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/${local.name}/containers"
  retention_in_days = var.log_retention_days
}

module "iam" {
  source = "../../modules/iam"

  name           = local.name
  ssm_path       = local.ssm_path
  log_group_name = aws_cloudwatch_log_group.app.name
}

module "ssm" {
  source = "../../modules/ssm"

  path   = local.ssm_path
  config = local.config
  secret_names = concat(
    ["DATABASE_URL", "ADMIN_API_TOKEN", "SESSION_SECRET"],
    var.local_redis ? [] : ["REDIS_URL"],
    var.email_sign_in ? ["SMTP_URL"] : [],
    local.oidc ? ["OIDC_CLIENT_SECRET"] : [],
  )
  secret_values   = var.secret_values
  secrets_version = var.secrets_version
}

module "ec2" {
  source = "../../modules/ec2"

  name                  = local.name
  vpc_id                = var.vpc_id
  subnet_id             = var.subnet_id
  instance_type         = var.instance_type
  instance_profile_name = module.iam.instance_profile_name
  ssm_path              = module.ssm.path
  log_group_name        = aws_cloudwatch_log_group.app.name
  ghcr_owner            = var.ghcr_owner
  app_version           = var.app_version
  eip_allocation_id     = aws_eip.app.id
  gateway_api_url       = local.management_public_url
  gateway_proxy_url     = local.gateway_public_url
  gateway_domain        = var.gateway_domain
  management_domain     = var.management_domain
  dashboard_domain      = var.dashboard_domain
  local_redis           = var.local_redis
  allowed_cidrs         = var.allowed_cidrs

  database_ca_bundle_url = var.database_ca_bundle_url

  management_allowed_cidrs = var.management_allowed_cidrs

  # The instance must not boot before its parameters exist.
  depends_on = [module.ssm]
}
