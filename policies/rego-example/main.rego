# A Conftest-style rule, as in a Conftest policy directory: `input` is each input document (a
# Terraform plan's JSON, each Kubernetes manifest document, the change record).
package main

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	not c.resources.limits.memory
	msg := sprintf("Deployment %s: container %s has no memory limit", [input.metadata.name, c.name])
}

warn contains msg if {
	some rc in input.resource_changes
	"delete" in rc.change.actions
	msg := sprintf("%s is deleted", [rc.address])
}
