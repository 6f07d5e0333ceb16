# One VM running deploy/docker-compose.prod.yml. At first boot the user data installs Docker, writes the
# Compose files, and installs a systemd unit that (on every boot) reads the gateway's parameters from
# SSM into a root-only env file and starts the stack. No SSH port: use Session Manager.
data "aws_region" "current" {}

data "aws_ami" "ubuntu" {
  count       = var.ami_id == null ? 1 : 0
  most_recent = true
  owners      = ["099720109477"] # Canonical

  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"]
  }
  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

locals {
  tls      = var.gateway_domain != "" && var.management_domain != "" && var.dashboard_domain != ""
  profiles = compact([local.tls ? "tls" : "", var.local_redis ? "local-redis" : ""])
  # Without TLS the management port is published only when someone may reach it, and the security group
  # admits management_allowed_cidrs alone; with TLS, Caddy applies the same list to the management host.
  publish_management = !local.tls && length(var.management_allowed_cidrs) > 0
  tls_ports = [
    { port = 80, protocol = "tcp", cidr_blocks = var.allowed_cidrs },
    { port = 443, protocol = "tcp", cidr_blocks = var.allowed_cidrs },
    { port = 443, protocol = "udp", cidr_blocks = var.allowed_cidrs },
  ]
  direct_ports = [
    { port = 3000, protocol = "tcp", cidr_blocks = var.allowed_cidrs },
    { port = 3001, protocol = "tcp", cidr_blocks = var.allowed_cidrs },
  ]
  management_port = { port = 3002, protocol = "tcp", cidr_blocks = var.management_allowed_cidrs }
  ports           = local.tls ? local.tls_ports : concat(local.direct_ports, local.publish_management ? [local.management_port] : [])
  deploy_dir      = "${path.module}/../../../../deploy"

  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    region                  = data.aws_region.current.name
    ssm_path                = var.ssm_path
    log_group_name          = var.log_group_name
    ghcr_owner              = lower(var.ghcr_owner)
    app_version             = var.app_version
    gateway_api_url         = var.gateway_api_url
    gateway_proxy_url       = var.gateway_proxy_url
    bind_address            = local.tls ? "127.0.0.1" : "0.0.0.0"
    management_bind_address = local.publish_management ? "0.0.0.0" : "127.0.0.1"
    gateway_domain          = var.gateway_domain
    management_domain       = var.management_domain
    dashboard_domain        = var.dashboard_domain
    # Empty: Caddy's default (nobody).
    management_allowed_ips = join(" ", var.management_allowed_cidrs)
    compose_profiles       = join(",", local.profiles)
    compose_prod_b64       = base64encode(file("${local.deploy_dir}/docker-compose.prod.yml"))
    compose_logs_b64       = base64encode(file("${local.deploy_dir}/docker-compose.awslogs.yml"))
    caddyfile_b64          = base64encode(file("${local.deploy_dir}/Caddyfile"))
    # Always written; used (with the bundle's download) only when database_ca_bundle_url is set.
    compose_database_ca_b64 = base64encode(file("${local.deploy_dir}/docker-compose.database-ca.yml"))
    database_ca_bundle_url  = var.database_ca_bundle_url
    data_volume_id          = aws_ebs_volume.data.id
    # How udev names it on a Nitro instance: /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123…
    data_volume_serial = replace(aws_ebs_volume.data.id, "-", "")
  })
}

resource "aws_security_group" "instance" {
  name        = "${var.name}-instance"
  description = "API gateway VM: ${local.tls ? "HTTP/HTTPS for Caddy" : "proxy and dashboard ports, management port for its allow-list"}"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-instance" })

  dynamic "ingress" {
    for_each = local.ports
    content {
      description = "${ingress.value.protocol}/${ingress.value.port}"
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = ingress.value.protocol
      cidr_blocks = ingress.value.cidr_blocks
    }
  }

  egress {
    description = "Image pulls, SSM, CloudWatch, the managed database and Redis, the internal API"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_instance" "this" {
  ami                    = var.ami_id != null ? var.ami_id : data.aws_ami.ubuntu[0].id
  instance_type          = var.instance_type
  subnet_id              = var.subnet_id
  vpc_security_group_ids = [aws_security_group.instance.id]
  iam_instance_profile   = var.instance_profile_name
  # gzip (cloud-init unpacks it): the script with the Compose files it carries is over EC2's 16 KiB
  # limit as plain text. Terraform's gzip is deterministic, so an unchanged script plans no change.
  user_data_base64            = base64gzip(local.user_data)
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required"
    # 1 hop: the host (Docker's awslogs driver, the AWS CLI) reaches the metadata service, containers do not.
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type = "gp3"
    volume_size = var.root_volume_size_gb
    encrypted   = true
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    ignore_changes = [ami]
  }
}

# What must outlive the instance (every app_version change replaces it): Caddy's certificates and ACME
# account, on an EBS volume of their own in the subnet's zone, mounted at /var/lib/api-gateway by the
# boot script. Let's Encrypt's rate limits make re-issuing at every release a real risk.
data "aws_subnet" "this" {
  id = var.subnet_id
}

resource "aws_ebs_volume" "data" {
  availability_zone = data.aws_subnet.this.availability_zone
  size              = var.data_volume_size_gb
  type              = "gp3"
  encrypted         = true
  tags              = merge(var.tags, { Name = "${var.name}-data" })
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.this.id
  # On a replacement the old instance is stopped (Compose stops, the file system is unmounted cleanly)
  # before the volume moves to the new one.
  stop_instance_before_detaching = true
}

# The caller's Elastic IP: a stable address for DNS across instance replacements (every
# app_version change replaces the instance).
resource "aws_eip_association" "this" {
  allocation_id = var.eip_allocation_id
  instance_id   = aws_instance.this.id
}
