package tf

import rego.v1

test_open_ingress_inline if {
	cfg := parse_config("hcl2", `
resource "aws_security_group_rule" "rdp" {
  type        = "ingress"
  from_port   = 3389
  cidr_blocks = ["0.0.0.0/0"]
}
`)
	deny_open_ingress["security group rule `rdp` opens port 3389 to the world"] with input as cfg
}

test_closed_ingress_inline if {
	cfg := parse_config("hcl2", `
resource "aws_security_group_rule" "https" {
  type        = "ingress"
  from_port   = 443
  cidr_blocks = ["10.0.0.0/8"]
}
`)
	count(deny_open_ingress) == 0 with input as cfg
}

test_the_fixture_file if {
	cfg := parse_config_file("../main.tf")
	warn_untagged == {"bucket `scratch` has no owner tag"} with input as cfg
	cfg.resource.aws_s3_bucket.logs[0].bucket == "logs-${var.env}"
}

test_yaml_and_json if {
	parse_config("yaml", "a: [1, 2]") == {"a": [1, 2]}
	parse_config("json", `{"b": true}`) == {"b": true}
}
