resource "aws_instance" "app" {
  ami           = "ami-123"
  instance_type = "t3.small"

  lifecycle {
    ignore_changes = [tags]
  }
}
