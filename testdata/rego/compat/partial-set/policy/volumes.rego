package main

import rego.v1

volumes contains input.spec.template.spec.volumes[_]

deny contains msg if {
	input.kind == "Deployment"
	count(volumes) == 0
	msg := sprintf("%s has no volumes", [input.metadata.name])
}

warn contains msg if {
	some v in volumes
	v.hostPath
	msg := sprintf("%s mounts the host path %s", [input.metadata.name, v.hostPath.path])
}
