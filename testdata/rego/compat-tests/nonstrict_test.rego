package nonstrict

import rego.v1

# `count(null)` is an error under strict built-in errors; otherwise it is undefined.
replicas_counted if count(data.deployment.replicas)

test_a_builtin_error_is_undefined if {
	not replicas_counted
}
