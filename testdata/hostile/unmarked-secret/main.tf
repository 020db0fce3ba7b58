variable "db_password" {
  type      = string
  sensitive = true
  default   = "Unmarked-S3cret-9f2c"
}

# nonsensitive() drops Terraform's mark: the plan then shows the value in clear text.
resource "terraform_data" "leak" {
  input = {
    dsn = "postgres://app:${nonsensitive(var.db_password)}@db:5432/app"
  }
}

module "child" {
  source = "./child"
  token  = "Module-Literal-S3cret-77"
}

# A sensitive value as an instance key: Terraform cannot keep a key sensitive, so the address
# itself carries it.
resource "terraform_data" "per_secret" {
  for_each = toset([nonsensitive(var.db_password)])
  input    = "x"
}
