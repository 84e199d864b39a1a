// Command switcher assumes AWS roles from ~/.aws/config and hands the
// temporary credentials to shells, the AWS CLI and SDKs, or the shared
// credentials file. Run bare, it is an interactive picker and dashboard.
//
// This file only wires the real process to the command line in package cli.
package main

import (
	"os"

	"github.com/switcher-cli/switcher/cli"
)

// Set at build time by goreleaser (-ldflags -X).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv, cli.Build{Version: version, Commit: commit, Date: date}))
}
