package main

import rego.v1

deny contains msg if {
	some c in input.spec.template.spec.containers
	msg := sprintf("container %s asks for %d of CPU", [c.name, c.resources.requests.cpu])
}

deny contains msg if {
	some c in input.spec.template.spec.containers
	msg := sprintf("container %s", [c.name, c.image])
}

warn contains msg if {
	msg := sprintf("%s: %s %s", [input.metadata.name, input.kind])
}

warn contains msg if {
	msg := sprintf("%s has %v replicas (%.1f%% of %d)", [input.metadata.name, input.spec.replicas, 12.5, 8])
}
