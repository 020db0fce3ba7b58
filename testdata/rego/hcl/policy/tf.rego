# Conftest-style rules written against Terraform source, as Conftest's HCL2 parser shapes it:
# resource.<type>.<name> is a list of block bodies.
package tf

import rego.v1

deny_open_ingress contains msg if {
	some name
	some rule in input.resource.aws_security_group_rule[name]
	rule.type == "ingress"
	"0.0.0.0/0" in rule.cidr_blocks
	rule.from_port in data.limits.open_ports
	msg := sprintf("security group rule `%s` opens port %d to the world", [name, rule.from_port])
}

warn_untagged contains msg if {
	some name
	some bucket in input.resource.aws_s3_bucket[name]
	not bucket.tags.owner
	msg := sprintf("bucket `%s` has no owner tag", [name])
}

# Prints every variable's default: a sensitive one must arrive masked.
warn_defaults contains msg if {
	some name
	some v in input.variable[name]
	msg := sprintf("variable `%s` defaults to %v", [name, v["default"]])
}
