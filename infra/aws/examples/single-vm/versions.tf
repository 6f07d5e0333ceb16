terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Secret values never reach the state (write-only), but keep state remote and encrypted anyway, e.g.:
  # backend "s3" {
  #   bucket       = "my-terraform-state"
  #   key          = "api-gateway/prod.tfstate"
  #   region       = "eu-central-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "api-gateway", Environment = var.environment }
  }
}
