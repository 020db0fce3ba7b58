# Conftest-style rules for Terraform plans, written as for `conftest test plan.json`
# (tests/rego.rs runs them under changegate and expects Conftest's messages).
package main

import rego.v1

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_instance"
	rc.change.after.instance_type in data.limits.forbidden_instance_types
	msg := sprintf("%s: instance type %s is not allowed", [rc.address, rc.change.after.instance_type])
}

violation_missing_owner contains {"msg": msg, "details": {"address": rc.address}} if {
	some rc in input.resource_changes
	rc.type == "aws_instance"
	not rc.change.after.tags.owner
	msg := sprintf("%s has no owner tag", [rc.address])
}

warn contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	msg := sprintf("%s is deleted", [rc.address])
}

# The secret is masked before any rule sees it.
deny_secret_leak contains msg if {
	some name, v in input.variables
	msg := sprintf("variable %s is %v", [name, v.value])
	name == "db_password"
}
