package kubernetes

import rego.v1

deny_run_as_root contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Deployment %s must not run as root", [input.metadata.name])
}

deny_latest contains msg if {
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("%s uses a latest image: %s", [input.metadata.name, c.image])
}

exception contains rules if {
	input.metadata.name == "legacy-batch"
	rules := ["run_as_root"]
}
