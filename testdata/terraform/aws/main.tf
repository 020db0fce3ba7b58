# The infrastructure applied first (make.sh); imports.tf and storage.tf are the change under review.

resource "aws_security_group" "web" {
  name        = "web"
  description = "web servers"

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "aws_ebs_volume" "data" {
  availability_zone = "us-east-1a"
  size              = 10
  encrypted         = true
  tags = {
    Name = "data"
  }
}

resource "aws_s3_bucket" "reports" {
  bucket = "cg-reports"
}

resource "aws_db_instance" "db" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password            = var.db_password
  skip_final_snapshot = true
  storage_encrypted   = true
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "s3cr3t-Hunter2-pw"
}

variable "store_1_encrypted" {
  type        = bool
  description = "Applied as true first (make.sh); the change under review turns it off, which replaces the volume."
  default     = false
}

module "store" {
  source    = "./modules/store"
  count     = 2
  name      = "store-${count.index}"
  encrypted = count.index == 0 || var.store_1_encrypted
}
