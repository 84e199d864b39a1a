// Command sdkload is the peer figure of the list benchmark: aws-sdk-go-v2
// resolving ONE profile from the shared config and credentials files with
// config.LoadSharedConfigProfile, which parses both files whole.
//
//	sdkload -config FILE -credentials FILE PROFILE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
)

func main() {
	cfgFile := flag.String("config", "", "shared config file")
	credFile := flag.String("credentials", "", "shared credentials file")
	flag.Parse()
	if flag.NArg() != 1 || *cfgFile == "" || *credFile == "" {
		fmt.Fprintln(os.Stderr, "usage: sdkload -config FILE -credentials FILE PROFILE")
		os.Exit(2)
	}
	sc, err := config.LoadSharedConfigProfile(context.Background(), flag.Arg(0), func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{*cfgFile}
		o.CredentialsFiles = []string{*credFile}
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkload:", err)
		os.Exit(1)
	}
	// Print something that depends on the parse, never a secret.
	fmt.Printf("%s role_arn=%s source_profile=%s region=%s\n", sc.Profile, sc.RoleARN, sc.SourceProfileName, sc.Region)
}
