# METADATA
# custom:
#   code: CG999
package changegate.rules.cgcode

import rego.v1

deny contains "x" if { false }
