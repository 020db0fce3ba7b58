package main

import rego.v1

owned_by(obj, team) if obj.metadata.labels.team == team

# No inventory entry for the namespace: OPA leaves the rule undefined rather than firing.
deny contains msg if {
	not owned_by(input, data.inventory[input.metadata.namespace])
	msg := sprintf("%s is not owned by its namespace's team", [input.metadata.name])
}

deny contains msg if {
	not startswith(input.metadata.annotations.owner, "team-")
	msg := sprintf("%s has an owner annotation without a team", [input.metadata.name])
}

warn contains msg if {
	not input.metadata.labels.tier == "frontend"
	msg := sprintf("%s is not labelled frontend", [input.metadata.name])
}
