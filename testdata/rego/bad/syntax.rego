# METADATA
# custom:
#   code: BAD001
package changegate.rules.syntax

import rego.v1

deny contains msg if {
	msg := "unclosed
}
