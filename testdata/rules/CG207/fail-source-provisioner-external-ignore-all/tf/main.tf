resource "aws_instance" "app" {
  ami           = "ami-123"
  instance_type = "t3.small"

  provisioner "remote-exec" {
    inline = ["sudo systemctl restart app"]
  }

  lifecycle {
    ignore_changes = all
  }
}

data "external" "version" {
  program = ["sh", "${path.module}/version.sh"]
}
