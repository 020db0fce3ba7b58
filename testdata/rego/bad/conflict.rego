# METADATA
# custom:
#   code: CONF001
package changegate.rules.conflict

import rego.v1

level := "a"

level := "b" if { true }

deny contains level if { true }
