module "sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "~> 5.0"
}

resource "aws_db_instance" "this" {
  engine = "postgres"
}
