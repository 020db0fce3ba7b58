terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}
variable "bastion" {
  type    = bool
  default = true
}
provider "aws" {
  region                      = "eu-central-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  endpoints {
    ec2 = "http://127.0.0.1:5055"
    s3  = "http://127.0.0.1:5055"
    sts = "http://127.0.0.1:5055"
    iam = "http://127.0.0.1:5055"
  }
  s3_use_path_style = true
}
resource "aws_ebs_volume" "data" {
  availability_zone = "eu-central-1a"
  size              = 20
  encrypted         = true
  tags = { team = "payments" }
}
resource "aws_security_group" "bastion" {
  count       = var.bastion ? 1 : 0
  name        = "maintenance-bastion"
  description = "SSH for the maintenance window"
  tags = { "changegate/temporary" = "true", team = "payments" }
}
