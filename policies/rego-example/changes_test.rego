package changegate.rules.security_two_person_test

import rego.v1

import data.changegate.rules.security_two_person as rule

sg := {"address": "aws_security_group.web", "classes": {"security_impacting": true}, "environment": "production"}

test_one_security_officer_is_not_enough if {
	count(rule.deny) == 1 with input as {"resources": [sg], "change": {"approvals": [{"by": "carol", "role": "security-officer"}]}}
}

test_two_security_officers_are if {
	count(rule.deny) == 0 with input as {"resources": [sg], "change": {"approvals": [
		{"by": "carol", "role": "security-officer"},
		{"by": "sam", "role": "security-officer"},
	]}}
}
