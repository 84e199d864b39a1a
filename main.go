// Command switcher assumes AWS roles from ~/.aws/config and hands the
// temporary credentials to shells, the AWS CLI and SDKs, or the shared
// credentials file. Run bare, it is an interactive picker and dashboard.
//
// This file is the composition root: the real process's effects, then one
// call into the command line (package cli).
package main

import (
	"os"
	"time"

	"github.com/switcher-cli/switcher/cli"
)

// Set at build time by goreleaser (-ldflags -X).
var (
	version = "dev"
	commit  = "none"
	date    = "unknown"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Deps{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Environ: os.Environ, Now: time.Now,
		Build: cli.Build{Version: version, Commit: commit, Date: date},
	}))
}
