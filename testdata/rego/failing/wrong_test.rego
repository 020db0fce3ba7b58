package changegate.rules.capacity_wrong_test

import rego.v1

import data.changegate.rules.capacity

# Wrong on purpose (tests/rego.rs): a small instance is not denied.
test_a_small_instance_is_denied if {
	count(capacity.deny) == 1 with input as {"change": {"ticket": "CHG-1", "approvals": []}, "resources": [{"address": "aws_instance.x", "kind": "aws_instance", "after": {"instance_type": "t3.micro"}}]}
}
