resource "aws_db_instance" "main" {
  identifier          = "payments"
  engine              = "postgres"
  instance_class      = "db.m5.xlarge"
  skip_final_snapshot = true
}
