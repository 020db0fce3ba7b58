# METADATA
# title: Payments changes need the payments owner
# custom:
#   code: ORG002
package changegate.rules.payments

import rego.v1

owners := data.changegate.policy.roles["payments-owner"]

touches_payments if {
	some r in input.resources
	startswith(r.address, "module.payments.")
}

approved_by_owner if {
	some a in input.change.approvals
	a.by in owners
}

deny contains "the change touches module.payments but no payments owner approved it" if {
	touches_payments
	not approved_by_owner
}

# METADATA
# title: Security-impacting payments changes are worth a second look
# custom:
#   code: ORG003
#   severity: low
warn contains msg if {
	some r in input.resources
	startswith(r.address, "module.payments.")
	r.classes.security_impacting
	msg := sprintf("%s is security-impacting (%s)", [r.address, input.stage])
}
