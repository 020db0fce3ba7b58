package main

import rego.v1

port_covers("*", _)

port_covers(allowed, port) if allowed == port

deny contains msg if {
	some rule in input.spec.ingress
	some port in rule.ports
	not covered(port.port)
	msg := sprintf("port %v of %s is not allowed", [port.port, input.metadata.name])
}

allowed_ports := {"web": [443], "admin": ["*"]}

covered(port) if {
	some allowed in allowed_ports[input.metadata.name]
	port_covers(allowed, port)
}
