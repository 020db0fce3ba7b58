package main

import rego.v1

deny contains msg if {
	v := input.variables
	msg := sprintf("disk %v bytes, quota %v, ratio %v", [v.disk.value, v.quota.value, v.ratio.value])
}

deny contains msg if {
	input.variables.quota.value == 12345678901234567000
	msg := "the quota arrives as a float64"
}
