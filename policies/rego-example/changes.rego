# METADATA
# title: Security-impacting production changes need a second security approval
# description: >-
#   A change that touches security-impacting resources in production must be approved by two
#   different security officers (an example of a rule only changegate can check: it reads the
#   change record's approvals, the resources' classes and their environments).
# custom:
#   code: ORG001
#   severity: high
#   category: approval
package changegate.rules.security_two_person

import rego.v1

security_officers := {a.by | some a in input.change.approvals; a.role == "security-officer"}

touches_security if {
	some r in input.resources
	r.classes.security_impacting
	r.environment in {"production", null}
}

deny contains msg if {
	touches_security
	count(security_officers) < 2
	msg := sprintf("the change touches security-impacting resources but %d security officer(s) approved it; two are needed", [count(security_officers)])
}
