variable "token" {
  type      = string
  sensitive = true
}

resource "terraform_data" "copy" {
  input = nonsensitive(var.token)
}
