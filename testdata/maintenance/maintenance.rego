# METADATA
# title: Images come from the organisation's registry, built within a month
# description: >-
#   Reads what changegate gives custom rules of security maintenance: the images the change
#   deploys, the vulnerabilities of the reports given with --vulns, and the certificates.
# custom:
#   code: ORG701
#   severity: medium
#   category: freshness
#   controls: ["ORG image policy 2.1"]
package changegate.rules.maintenance

import rego.v1

deny contains {"msg": msg, "target": img.resource} if {
	some img in input.images
	not startswith(img.repository, "ghcr.io/acme/")
	msg := sprintf("%s runs %s, not from ghcr.io/acme", [img.resource, img.image])
}

warn contains {"msg": msg, "target": v.id} if {
	some v in input.vulnerabilities
	v.severity == "critical"
	v.vex == null
	msg := sprintf("%s in %s of %s, built %s", [v.id, v.package, v.artifact.name, v.artifact.created])
}

warn contains {"msg": msg, "target": c.what} if {
	some c in input.certificates
	c.issuer == "CN=changegate test CA"
	msg := sprintf("%s is issued by the test CA (%s)", [c.what, c.subject])
}
