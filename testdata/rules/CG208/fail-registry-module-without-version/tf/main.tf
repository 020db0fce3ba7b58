module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

module "db" {
  source = "./modules/db"
}
