# terraform test (offline): the example wired together, against a mocked AWS provider. What the plan
# means — URLs, which settings and which secrets reach SSM, what the variables refuse — not text.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_data "aws_ami" {
    defaults = { id = "ami-0123456789abcdef0" }
  }
  # Computed by the provider from the statements; the iam module's own test checks the real documents.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_eip" {
    defaults = { public_ip = "203.0.113.10", id = "eipalloc-0123456789abcdef0" }
  }
}

variables {
  region                = "eu-central-1"
  vpc_id                = "vpc-0123456789abcdef0"
  subnet_id             = "subnet-0123456789abcdef0"
  ghcr_owner            = "Example-Org"
  app_version           = "1.2.3"
  internal_api_base_url = "http://internal-api.example.internal:8080"
  admin_emails          = ["ops@example.com"]
  allowed_cidrs         = ["203.0.113.0/24"]
  secret_values = {
    DATABASE_URL    = "postgres://gateway:pw@db.example.internal:5432/gateway"
    REDIS_URL       = "rediss://cache.example.internal:6379"
    ADMIN_API_TOKEN = "test-admin-token"
    SESSION_SECRET  = "test-session-secret"
    SMTP_URL        = "smtp://mail.example.internal:587"
  }
}

run "without_domains_the_ports_are_reached_directly" {
  assert {
    condition     = output.gateway_url == "http://203.0.113.10:3001"
    error_message = "the proxy is on the Elastic IP's port 3001 without TLS"
  }
  assert {
    condition     = output.management_url == "http://203.0.113.10:3002" && output.dashboard_url == "http://203.0.113.10:3000"
    error_message = "management on 3002, dashboard on 3000"
  }
  assert {
    condition     = toset(module.ssm.secret_parameter_names) == toset([for n in ["DATABASE_URL", "REDIS_URL", "ADMIN_API_TOKEN", "SESSION_SECRET", "SMTP_URL"] : "/api-gateway/prod/${n}"])
    error_message = "a managed Redis and mailed sign-in links: five SecureStrings"
  }
  assert {
    condition     = local.config.SECURE_COOKIES == "false" && local.config.TRUST_PROXY == "loopback"
    error_message = "plain HTTP without Caddy: no Secure cookies, trust only loopback"
  }
  assert {
    condition     = local.config.DASHBOARD_ORIGIN == "http://203.0.113.10:3000" && local.config.ADMIN_EMAILS == "ops@example.com"
    error_message = "the dashboard origin and the admins reach the configuration"
  }
  assert {
    condition     = !contains(keys(local.config), "REDIS_URL") && !contains(keys(local.config), "DATABASE_URL")
    error_message = "connection strings are secrets, never String parameters"
  }
  assert {
    condition     = !module.ec2.tls
    error_message = "no TLS without the three domains"
  }
}

run "with_domains_caddy_terminates_tls" {
  variables {
    gateway_domain    = "api.example.com"
    management_domain = "manage.example.com"
    dashboard_domain  = "dashboard.example.com"
  }
  assert {
    condition     = output.gateway_url == "https://api.example.com" && output.management_url == "https://manage.example.com"
    error_message = "HTTPS on the domains"
  }
  assert {
    condition     = local.config.SECURE_COOKIES == "true" && local.config.TRUST_PROXY == "loopback,uniquelocal"
    error_message = "behind Caddy on the Compose network: Secure cookies, trust the Compose network"
  }
  assert {
    condition     = module.ec2.tls
    error_message = "TLS with the three domains"
  }
}

run "local_redis_and_single_sign_on_change_the_secrets" {
  variables {
    local_redis   = true
    email_sign_in = false
    extra_config  = { OIDC_ISSUER = "https://id.example.com", OIDC_CLIENT_ID = "gateway" }
    secret_values = {
      DATABASE_URL       = "postgres://gateway:pw@db.example.internal:5432/gateway"
      ADMIN_API_TOKEN    = "test-admin-token"
      SESSION_SECRET     = "test-session-secret"
      OIDC_CLIENT_SECRET = "test-oidc-secret"
    }
  }
  assert {
    condition     = toset(module.ssm.secret_parameter_names) == toset([for n in ["DATABASE_URL", "ADMIN_API_TOKEN", "SESSION_SECRET", "OIDC_CLIENT_SECRET"] : "/api-gateway/prod/${n}"])
    error_message = "Redis on the VM is no secret; single sign-on needs its client secret; no SMTP"
  }
  assert {
    condition     = local.config.REDIS_URL == "redis://redis:6379"
    error_message = "the local-redis profile's Redis"
  }
  assert {
    condition     = local.config.OIDC_REDIRECT_URI == "http://203.0.113.10:3002/auth/oidc/callback"
    error_message = "the OIDC callback is on the management host"
  }
}

run "no_world_open_default_and_no_empty_list" {
  command = plan
  variables {
    allowed_cidrs = []
  }
  expect_failures = [var.allowed_cidrs]
}

run "allowed_cidrs_must_be_networks" {
  command = plan
  variables {
    allowed_cidrs = ["everyone"]
  }
  expect_failures = [var.allowed_cidrs]
}

run "someone_must_be_admin" {
  command = plan
  variables {
    admin_emails = []
  }
  expect_failures = [var.admin_emails]
}
