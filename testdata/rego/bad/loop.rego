# METADATA
# custom:
#   code: SLOW001
package changegate.rules.slow

import rego.v1

deny contains "never" if {
	count([x | some x in numbers.range(1, 20000); some y in numbers.range(1, 20000); x == y + 20001]) > 0
}
