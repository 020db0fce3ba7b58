import {
  to = aws_s3_bucket.legacy_logs
  id = "cg-legacy-logs"
}

resource "aws_s3_bucket" "legacy_logs" {
  bucket = "cg-legacy-logs"
}

import {
  to = aws_s3_bucket.legacy_assets
  id = "cg-legacy-assets"
}

resource "aws_s3_bucket" "legacy_assets" {
  bucket = "cg-legacy-assets"
  tags = {
    Owner = "web"
  }
}
