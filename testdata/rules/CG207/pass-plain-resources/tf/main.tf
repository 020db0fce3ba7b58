resource "aws_instance" "app" {
  ami = "ami-123"
  lifecycle {
    ignore_changes = [tags]
  }
}
