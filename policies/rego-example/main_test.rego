package main_test

import rego.v1

import data.main

test_a_container_without_a_memory_limit_is_denied if {
	count(main.deny) == 1 with input as {"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": {"containers": [{"name": "web"}]}}}}
}

test_a_deleted_resource_warns if {
	count(main.warn) == 1 with input as {"resource_changes": [{"address": "aws_s3_bucket.logs", "change": {"actions": ["delete"]}}]}
}
