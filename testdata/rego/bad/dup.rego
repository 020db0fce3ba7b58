# METADATA
# custom:
#   code: ORG001
package changegate.rules.dup

import rego.v1

deny contains "x" if { false }
