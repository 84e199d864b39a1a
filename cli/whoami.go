package cli

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// errNoEnvCredentials: whoami without PROFILE, and nothing to ask with.
var errNoEnvCredentials = errors.New("no AWS credentials in the environment (AWS_ACCESS_KEY_ID) and no AWS_PROFILE: give a PROFILE, or switch first with eval \"$(switcher export PROFILE)\"")

// WhoamiOptions are whoami's arguments, flags and effects.
type WhoamiOptions struct {
	IO      IOStreams
	Getenv  func(string) string
	Assume  assumeFunc
	STS     func() *creds.Engine // GetCallerIdentity with given credentials
	Profile string
	JSON    bool
}

// NewCmdWhoami is `switcher whoami [PROFILE]`.
func NewCmdWhoami(f *Factory, runF func(context.Context, *WhoamiOptions) error) *cobra.Command {
	opts := &WhoamiOptions{IO: f.IO, Getenv: f.Getenv, Assume: f.assumeKeys, STS: func() *creds.Engine { return f.STSEngine(nil) }}
	cmd := &cobra.Command{
		Use:   "whoami [PROFILE]",
		Short: "Ask STS who the current credentials (or a profile's) belong to",
		Long: `Call GetCallerIdentity and print the account, ARN and user id: with PROFILE's
session (assumed, or from the cache), else with the credentials in the
environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN),
else with the session of $AWS_PROFILE.`,
		Example: `  switcher whoami prod
  switcher whoami --json | jq -r .account`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Profile = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return whoamiRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func whoamiRun(ctx context.Context, opts *WhoamiOptions) error {
	var id identity
	var err error
	switch {
	case opts.Profile != "":
		id, err = profileIdentity(ctx, opts, opts.Profile)
	case opts.Getenv(creds.EnvAccessKeyID) != "":
		id, err = envIdentity(ctx, opts.Getenv, opts.STS())
	case opts.Getenv(creds.EnvProfile) != "":
		id, err = profileIdentity(ctx, opts, opts.Getenv(creds.EnvProfile))
	default:
		return errNoEnvCredentials
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(id)
	}
	w := &lineWriter{w: opts.IO.Out}
	w.line("account", "%s", id.Account)
	w.line("arn", "%s", id.ARN)
	w.line("user id", "%s", id.UserID)
	return w.err
}

// profileIdentity asks STS with profile's session.
func profileIdentity(ctx context.Context, opts *WhoamiOptions, profile string) (identity, error) {
	s, err := opts.Assume(ctx, profile, 0)
	if err != nil {
		return identity{}, err
	}
	return callerIdentity(ctx, opts.STS(), s.Credentials, s.Region)
}

// envIdentity asks STS with the environment's credentials.
func envIdentity(ctx context.Context, getenv func(string) string, eng *creds.Engine) (identity, error) {
	c := creds.Credentials{
		AccessKeyID:     getenv(creds.EnvAccessKeyID),
		SecretAccessKey: getenv(creds.EnvSecretAccessKey),
		SessionToken:    getenv(creds.EnvSessionToken),
	}
	if c.SecretAccessKey == "" {
		return identity{}, errors.New("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	}
	return callerIdentity(ctx, eng, c, "")
}

func callerIdentity(ctx context.Context, eng *creds.Engine, c creds.Credentials, region string) (identity, error) {
	id, err := eng.CallerIdentity(ctx, c, region)
	if err != nil {
		return identity{}, err
	}
	return identity{Account: id.Account, ARN: id.ARN, UserID: id.UserID}, nil
}
