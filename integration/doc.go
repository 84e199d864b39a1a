// Package integration runs the switcher binary against moto (a third-party
// STS and IAM server) with the AWS CLI v2 as the consuming client: exports
// evaluated in real shells, credential_process profiles, the shared
// credentials file, exec, and STS errors explained.
//
// It has only tests. They skip when moto_server or /usr/bin/aws is missing,
// unless SWITCHER_REQUIRE_INTEGRATION=1 (then they fail):
//
//	go test ./integration/
package integration
