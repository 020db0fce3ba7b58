package main

import rego.v1

# A rule and local variables of the same name: `some` declares the locals.
c := "registry.example/"

images := [c.image | some c in input.spec.template.spec.containers]

deny contains msg if {
	some image in images
	not startswith(image, c)
	msg := sprintf("%s pulls %s from outside %s", [input.metadata.name, image, c])
}

deny contains msg if {
	some c
	input.spec.template.spec.containers[c].securityContext.privileged
	msg := sprintf("container %d of %s is privileged", [c, input.metadata.name])
}
