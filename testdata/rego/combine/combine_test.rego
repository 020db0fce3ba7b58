package main

import rego.v1

test_api_has_no_service if {
	deny == {"Deployment `api` (manifests.yaml) has no Service selecting app `api`"} with input as parse_combined_config_files(["manifests.yaml"])
}

test_every_document_is_an_entry if {
	combined := parse_combined_config_files(["manifests.yaml"])
	count(combined) == 3
	combined[2].path == "manifests.yaml"
	combined[2].contents.kind == "Service"
}
