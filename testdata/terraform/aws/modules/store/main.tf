variable "name" {
  type = string
}

variable "encrypted" {
  type    = bool
  default = true
}

resource "aws_ebs_volume" "this" {
  availability_zone = "us-east-1a"
  size              = 5
  encrypted         = var.encrypted
  tags = {
    Name = var.name
  }
}
