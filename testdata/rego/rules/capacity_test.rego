package changegate.rules.capacity_test

import rego.v1

import data.changegate.rules.capacity

big := {"resources": [{"address": "aws_instance.batch", "kind": "aws_instance", "after": {"instance_type": "m5.8xlarge"}}]}

test_a_large_instance_needs_a_capacity_ticket if {
	some f in capacity.deny with input as object.union(big, {"change": {"ticket": "CHG-1", "approvals": []}})
	f.target == "aws_instance.batch"
}

test_a_cap_ticket_is_enough if {
	count(capacity.deny) == 0 with input as object.union(big, {"change": {"ticket": "CAP-1", "approvals": []}})
}

test_the_capacity_planner_can_approve_instead if {
	count(capacity.deny) == 0 with input as object.union(big, {"change": {"ticket": "CHG-1", "approvals": [{"by": "cora", "role": "capacity-planner"}]}})
}
