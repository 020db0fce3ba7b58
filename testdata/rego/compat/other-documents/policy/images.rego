package main

import rego.v1

# A document that is not a Kubernetes object (no `metadata.name`): Conftest reads it too.
deny contains msg if {
	input.kind == "ImageList"
	some image in input.images
	image.size > 500
	msg := sprintf("%s is %d MB", [image.name, image.size])
}

# `some … in` a string iterates over nothing, as in OPA.
deny contains msg if {
	some ch in input.kind
	msg := sprintf("kind has %v", [ch])
}
