package main

import rego.v1

# `count(null)` is an error in strict mode; by default the expression is undefined.
deny contains msg if {
	not count(input.spec.replicas) > 0
	msg := "replicas is not a collection"
}

deny contains msg if {
	n := object.get(input.spec.template, "x", 1)
	msg := sprintf("template lookup gave %v", [n])
}

deny contains msg if {
	input.kind == "Deployment"
	msg := sprintf("Deployment %s", [input.metadata.name])
}
