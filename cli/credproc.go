package cli

import (
	"bytes"
	"context"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/switcher-cli/switcher/creds"
)

// credentialProcessMinRemaining is the least time a session handed to the
// AWS CLI or an SDK must have left: they refresh 15 minutes before
// Expiration, so a shorter one would be fetched again at once.
const credentialProcessMinRemaining = 15 * time.Minute

// CredentialProcessOptions are credential-process's arguments and effects.
type CredentialProcessOptions struct {
	IO      IOStreams
	Profile string
	// Assume is the engine with the fast path's record (assumeRecorded).
	Assume func(ctx context.Context, opts *CredentialProcessOptions, min time.Duration) (*creds.Session, error)
}

// register defines credential-process's own flags (none yet); the fast
// path parses with the same definitions.
func (o *CredentialProcessOptions) register(*pflag.FlagSet) {}

// NewCmdCredentialProcess is `switcher credential-process PROFILE`.
func NewCmdCredentialProcess(f *Factory, runF func(context.Context, *CredentialProcessOptions) error) *cobra.Command {
	opts := &CredentialProcessOptions{IO: f.IO, Assume: f.assumeRecorded}
	cmd := &cobra.Command{
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
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return credentialProcessRun(cmd.Context(), opts)
		},
	}
	opts.register(cmd.Flags())
	return cmd
}

func credentialProcessRun(ctx context.Context, opts *CredentialProcessOptions) error {
	s, err := opts.Assume(ctx, opts, credentialProcessMinRemaining)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := creds.WriteCredentialProcess(&out, s.Credentials); err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(out.Bytes())
	return err
}
