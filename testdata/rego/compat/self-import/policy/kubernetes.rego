package kubernetes

import rego.v1

import data.kubernetes

name := input.metadata.name

is_deployment if input.kind == "Deployment"

deny contains msg if {
	kubernetes.is_deployment
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s runs as root", [kubernetes.name])
}
