# Conftest-style rules over all the documents at once (`--rego-combine`): `input` is a list of
# {path, contents}.
package main

import rego.v1

deny contains msg if {
	some d in input
	d.contents.kind == "Deployment"
	app := d.contents.spec.selector.matchLabels.app
	not served(app)
	msg := sprintf("Deployment `%s` (%s) has no Service selecting app `%s`", [d.contents.metadata.name, d.path, app])
}

served(app) if {
	some s in input
	s.contents.kind == "Service"
	s.contents.spec.selector.app == app
}

warn contains msg if {
	msg := sprintf("%d documents combined", [count(input)])
}
