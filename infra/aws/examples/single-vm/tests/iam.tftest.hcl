# terraform test of modules/iam with the real AWS provider and no account: aws_iam_policy_document,
# aws_partition and aws_region are computed inside the provider, so the plan holds the real policy
# JSON; only the caller identity (an STS call) is overridden.
provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

variables {
  name           = "api-gateway-test"
  ssm_path       = "/api-gateway/test"
  log_group_name = "/api-gateway-test/containers"
}


run "reads_its_own_parameters_and_writes_its_own_logs_only" {
  command = plan
  module {
    source = "../../modules/iam"
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  assert {
    # The provider sorts actions and resources its own way: compare them as sets.
    condition = { for st in jsondecode(data.aws_iam_policy_document.instance.json).Statement : st.Sid => [st.Effect, toset(st.Action), toset(st.Resource)] } == {
      ReadOwnParameters = ["Allow", toset(["ssm:GetParametersByPath", "ssm:GetParameters", "ssm:GetParameter"]), toset(["arn:aws:ssm:eu-central-1:123456789012:parameter/api-gateway/test", "arn:aws:ssm:eu-central-1:123456789012:parameter/api-gateway/test/*"])]
      WriteOwnLogs      = ["Allow", toset(["logs:PutLogEvents", "logs:DescribeLogStreams", "logs:CreateLogStream"]), toset(["arn:aws:logs:eu-central-1:123456789012:log-group:/api-gateway-test/containers:log-stream:*", "arn:aws:logs:eu-central-1:123456789012:log-group:/api-gateway-test/containers"])]
    }
    error_message = "the instance policy: its SSM path and its log group, nothing else"
  }
  assert {
    condition     = jsondecode(data.aws_iam_policy_document.assume_role.json).Statement[0].Principal == { Service = "ec2.amazonaws.com" }
    error_message = "only EC2 assumes the role"
  }
}

run "decrypts_with_its_own_key_through_ssm_only" {
  command = plan
  module {
    source = "../../modules/iam"
  }
  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "123456789012" }
  }
  assert {
    condition = [for s in jsondecode(data.aws_iam_policy_document.instance.json).Statement : s if s.Sid == "DecryptOwnParameters"] == [{
      Sid       = "DecryptOwnParameters"
      Effect    = "Allow"
      Action    = "kms:Decrypt"
      Resource  = "arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-0000-0000-000000000000"
      Condition = { StringEquals = { "kms:ViaService" = "ssm.eu-central-1.amazonaws.com" } }
    }]
    error_message = "kms:Decrypt on the given key, via SSM only"
  }
}
