# METADATA
# title: Large instances need a capacity ticket
# description: >-
#   An instance type above m5.2xlarge is a capacity decision: the change must carry a CAP-
#   ticket, or be approved by the capacity planner.
# custom:
#   code: ORG001
#   severity: high
#   category: record
#   controls: ["ORG capacity policy 4.2"]
package changegate.rules.capacity

import rego.v1

large := {"m5.4xlarge", "m5.8xlarge", "m5.12xlarge", "m5.16xlarge", "m5.24xlarge"}

capacity_approved if {
	some a in input.change.approvals
	a.role == "capacity-planner"
}

deny contains {"msg": msg, "target": r.address} if {
	some r in input.resources
	r.kind == "aws_instance"
	r.after.instance_type in large
	not startswith(input.change.ticket, "CAP-")
	not capacity_approved
	msg := sprintf("%s becomes %s without a CAP- ticket or a capacity planner's approval%s", [r.address, r.after.instance_type, where(r)])
}

# Where the resource is, when the policy has environments.
where(r) := sprintf(" (environment %s)", [r.environment]) if r.environment != null

else := ""

