module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
}

module "net" {
  source = "git::https://git.example.com/acme/network.git?ref=v2.3.0"
}
