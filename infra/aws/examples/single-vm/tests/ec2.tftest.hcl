# terraform test (offline) of modules/ec2 against a mocked AWS provider: which ports the security group
# opens to whom, and the instance's hardening, read from the planned resources.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_data "aws_ami" {
    defaults = { id = "ami-0123456789abcdef0" }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "eu-central-1b" }
  }
  mock_resource "aws_ebs_volume" {
    defaults = { id = "vol-0123456789abcdef0" }
  }
}

variables {
  name                  = "api-gateway-test"
  vpc_id                = "vpc-0123456789abcdef0"
  subnet_id             = "subnet-0123456789abcdef0"
  instance_profile_name = "api-gateway-test-instance"
  ssm_path              = "/api-gateway/test"
  log_group_name        = "/api-gateway-test/containers"
  ghcr_owner            = "example-org"
  app_version           = "1.2.3"
  eip_allocation_id     = "eipalloc-0123456789abcdef0"
  gateway_api_url       = "http://203.0.113.10:3002"
  gateway_proxy_url     = "http://203.0.113.10:3001"
  allowed_cidrs         = ["203.0.113.0/24"]
}

# Its own state: the instance ignores later AMI changes (lifecycle.ignore_changes), and runs share state.
run "ami_override" {
  state_key = "ami_override"
  module {
    source = "../../modules/ec2"
  }
  variables {
    ami_id = "ami-0fedcba9876543210"
  }
  assert {
    condition     = aws_instance.this.ami == "ami-0fedcba9876543210" && length(data.aws_ami.ubuntu) == 0
    error_message = "ami_id replaces the lookup"
  }
}

run "direct_ports_and_no_management_port_for_nobody" {
  module {
    source = "../../modules/ec2"
  }
  assert {
    condition     = toset([for r in aws_security_group.instance.ingress : "${r.protocol}/${r.from_port}-${r.to_port} ${join(",", r.cidr_blocks)}"]) == toset(["tcp/3000-3000 203.0.113.0/24", "tcp/3001-3001 203.0.113.0/24"])
    error_message = "without TLS: the dashboard and the proxy to allowed_cidrs, and no management port while nobody may reach it"
  }
}

run "management_port_for_its_allow_list_only" {
  module {
    source = "../../modules/ec2"
  }
  variables {
    management_allowed_cidrs = ["198.51.100.0/24"]
  }
  assert {
    condition     = toset([for r in aws_security_group.instance.ingress : "${r.protocol}/${r.from_port}-${r.to_port} ${join(",", r.cidr_blocks)}"]) == toset(["tcp/3000-3000 203.0.113.0/24", "tcp/3001-3001 203.0.113.0/24", "tcp/3002-3002 198.51.100.0/24"])
    error_message = "3002 answers management_allowed_cidrs alone"
  }
}

run "with_tls_only_caddy_is_published" {
  module {
    source = "../../modules/ec2"
  }
  variables {
    gateway_domain           = "api.example.com"
    management_domain        = "manage.example.com"
    dashboard_domain         = "dashboard.example.com"
    management_allowed_cidrs = ["198.51.100.0/24"]
  }
  assert {
    condition     = toset([for r in aws_security_group.instance.ingress : "${r.protocol}/${r.from_port}-${r.to_port} ${join(",", r.cidr_blocks)}"]) == toset(["tcp/80-80 203.0.113.0/24", "tcp/443-443 203.0.113.0/24", "udp/443-443 203.0.113.0/24"])
    error_message = "with TLS only 80/443 (Caddy applies the management allow-list by host)"
  }
}

run "instance_hardening" {
  module {
    source = "../../modules/ec2"
  }
  assert {
    condition     = aws_instance.this.metadata_options[0].http_tokens == "required" && aws_instance.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 only, and containers one hop too far to reach it"
  }
  assert {
    condition     = aws_instance.this.root_block_device[0].encrypted
    error_message = "encrypted root volume"
  }
  assert {
    condition     = aws_instance.this.ami == "ami-0123456789abcdef0" && aws_instance.this.iam_instance_profile == "api-gateway-test-instance"
    error_message = "the latest Ubuntu AMI and the iam module's profile"
  }
  assert {
    condition     = length([for r in aws_security_group.instance.ingress : r if r.from_port == 22]) == 0
    error_message = "no SSH port: Session Manager"
  }
}

run "database_ca_bundle_off_by_default" {
  module {
    source = "../../modules/ec2"
  }
  assert {
    condition     = !strcontains(local.user_data, "curl -fsS") && !strcontains(local.user_data, "-f docker-compose.database-ca.yml")
    error_message = "without database_ca_bundle_url the boot script neither downloads a bundle nor adds the override"
  }
}

run "database_ca_bundle_fetched_and_mounted" {
  module {
    source = "../../modules/ec2"
  }
  variables {
    database_ca_bundle_url = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
  }
  assert {
    condition     = strcontains(local.user_data, "-o \"$ca.new\" 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem'") && strcontains(local.user_data, "compose+=(-f docker-compose.database-ca.yml)")
    error_message = "the boot script fetches the bundle and starts the stack with the override that mounts it"
  }
  assert {
    condition     = strcontains(local.user_data, base64encode(file("../../../../deploy/docker-compose.database-ca.yml")))
    error_message = "the override is written from deploy/ (the file the Compose checks test)"
  }
}

run "database_ca_bundle_url_must_be_https" {
  command = plan
  module {
    source = "../../modules/ec2"
  }
  variables {
    database_ca_bundle_url = "http://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
  }
  expect_failures = [var.database_ca_bundle_url]
}

run "certificates_survive_a_release" {
  module {
    source = "../../modules/ec2"
  }
  assert {
    condition     = aws_ebs_volume.data.encrypted && aws_ebs_volume.data.availability_zone == "eu-central-1b" && aws_ebs_volume.data.type == "gp3"
    error_message = "an encrypted data volume in the subnet's zone"
  }
  assert {
    condition     = aws_volume_attachment.data.instance_id == aws_instance.this.id && aws_volume_attachment.data.volume_id == aws_ebs_volume.data.id && aws_volume_attachment.data.stop_instance_before_detaching
    error_message = "attached to the instance, which is stopped before the volume moves to its replacement"
  }
  assert {
    condition     = strcontains(local.user_data, "dev=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0\n") && strcontains(local.user_data, "CADDY_DATA_DIR=/var/lib/api-gateway/caddy-data\n")
    error_message = "the boot script mounts that volume and Caddy keeps its data there"
  }
  assert {
    condition     = aws_instance.this.user_data_base64 == base64gzip(local.user_data) && aws_instance.this.user_data_replace_on_change
    error_message = "the user data is the gzipped script"
  }
}
