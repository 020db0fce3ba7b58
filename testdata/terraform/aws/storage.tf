# Encryption at rest as the provider sees it: set off, left to the default, or known only after apply.

resource "aws_ebs_volume" "scratch" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = false
}

resource "aws_ebs_volume" "cache" {
  availability_zone = "us-east-1a"
  size              = 10
}

resource "aws_ebs_volume" "shard" {
  for_each          = toset(["a", "b"])
  availability_zone = "us-east-1a"
  size              = 5
  encrypted         = each.key == "a"
}

resource "aws_db_instance" "reporting" {
  identifier          = "reporting"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password            = var.db_password
  skip_final_snapshot = true
}

resource "aws_instance" "app" {
  ami           = "ami-12c6146b"
  instance_type = "t3.micro"

  root_block_device {
    encrypted = false
  }

  ebs_block_device {
    device_name = "/dev/sdf"
    volume_size = 5
  }
}

resource "aws_launch_template" "workers" {
  name = "workers"

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size = 20
      encrypted   = "false"
    }
  }
}
