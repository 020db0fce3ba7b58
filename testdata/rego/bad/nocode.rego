# METADATA
# title: No code
package changegate.rules.nocode

import rego.v1

deny contains "x" if { true }
