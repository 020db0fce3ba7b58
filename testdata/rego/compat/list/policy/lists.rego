package main

import rego.v1

# Conftest reads a `kind: List` as one document.
deny contains msg if {
	input.kind == "List"
	count(input.items) > 1
	msg := sprintf("a List of %d items: apply them one by one", [count(input.items)])
}

deny contains msg if {
	some item in input.items
	item.kind == "Secret"
	msg := sprintf("Secret %s is in a List", [item.metadata.name])
}
