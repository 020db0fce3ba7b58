# Merged into main.tf's block by Terraform: its lifecycle argument replaces the original's.
resource "aws_instance" "app" {
  lifecycle {
    ignore_changes = all
  }
}
