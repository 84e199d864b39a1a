package cli

import (
	"bytes"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// credentialProcessMinRemaining is the least time a session handed to the
// AWS CLI or an SDK must have left: they refresh 15 minutes before
// Expiration, so a shorter one would be fetched again at once.
const credentialProcessMinRemaining = 15 * time.Minute

func (a *app) credentialProcessCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "credential-process PROFILE",
		Short: "Print the credential_process JSON for the AWS CLI and SDKs",
		Long: `Print PROFILE's credentials as the JSON the AWS CLI and SDKs read from a
credential_process command (Version 1, the keys, the session token and
Expiration), and nothing else: no output on stdout when it fails, and on
stderr only the error.

A cached session is handed out only while it has more than 15 minutes left
(the AWS CLI refreshes 15 minutes before Expiration); parallel calls share one
STS call per hop. An MFA code is asked on the terminal (/dev/tty), since the
AWS CLI captures stdout and stderr, else from the profile's mfa_process.`,
		Example: `  # ~/.aws/config
  [profile prod-cli]
  credential_process = switcher credential-process prod`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.assumeRecorded(cmd.Context(), args[0], credentialProcessMinRemaining)
			if err != nil {
				return err
			}
			var out bytes.Buffer
			if err := creds.WriteCredentialProcess(&out, s.Credentials); err != nil {
				return err
			}
			_, err = a.stdout.Write(out.Bytes())
			return err
		},
	}
}
