variable "db_password" {
  type      = string
  sensitive = true
  default   = "Sup3r-S3cret-Passw0rd"
}

resource "terraform_data" "app" {
  input = {
    name     = "payments"
    password = var.db_password
    replicas = 4
  }
}

resource "terraform_data" "release" {
  input            = "v2"
  triggers_replace = ["build-43"]
}

resource "terraform_data" "hook" {
  input = "x"
  provisioner "local-exec" {
    command = "echo deploy"
  }
}
