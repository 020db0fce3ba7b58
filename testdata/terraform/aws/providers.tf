variable "aws_endpoint" {
  type        = string
  description = "The local AWS API emulator (moto_server) the plans are made against."
  default     = "http://127.0.0.1:5123"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true

  endpoints {
    ec2 = var.aws_endpoint
    rds = var.aws_endpoint
    s3  = var.aws_endpoint
    sts = var.aws_endpoint
    iam = var.aws_endpoint
  }
}
