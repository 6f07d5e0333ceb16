# Configuration as String parameters and secrets as SecureString parameters under one path, which is
# all the instance role may read. Secret values are write-only (value_wo): they reach SSM, never the
# Terraform state.
resource "aws_ssm_parameter" "config" {
  for_each = var.config

  name  = "${var.path}/${each.key}"
  type  = "String"
  value = each.value
  tags  = var.tags
}

resource "aws_ssm_parameter" "secret" {
  for_each = var.secret_names

  name             = "${var.path}/${each.key}"
  type             = "SecureString"
  key_id           = var.kms_key_id
  value_wo         = var.secret_values[each.key]
  value_wo_version = var.secrets_version
  tags             = var.tags
}
