variable "db_password" {
  type      = string
  sensitive = true
  default   = "Tf-S3cret-Default-9"
}

variable "env" {
  default = "prod"
}

resource "aws_security_group_rule" "ssh" {
  type        = "ingress"
  from_port   = 22
  to_port     = 22
  cidr_blocks = ["0.0.0.0/0"]
}

resource "aws_s3_bucket" "logs" {
  bucket = "logs-${var.env}"
  tags   = { owner = "platform" }
}

resource "aws_s3_bucket" "scratch" {
  bucket = "scratch"
}
