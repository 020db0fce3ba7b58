package changegate.rules.capacity

import rego.v1

# METADATA
# title: Instance too large
# custom:
#   code: ORG001
#   severity: high
deny contains msg if {
	some r in input.resources
	r.kind == "aws_instance_too_large"
	msg := sprintf("%s is too large", [r.address])
}
