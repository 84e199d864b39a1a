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

func (a *app) whoamiCmd() *cobra.Command {
	var asJSON bool
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
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var id identity
			var err error
			switch {
			case len(args) == 1:
				id, err = a.profileIdentity(ctx, args[0])
			case a.getenv(creds.EnvAccessKeyID) != "":
				id, err = a.envIdentity(ctx)
			case a.getenv(creds.EnvProfile) != "":
				id, err = a.profileIdentity(ctx, a.getenv(creds.EnvProfile))
			default:
				return errNoEnvCredentials
			}
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(id)
			}
			w := &lineWriter{w: a.stdout}
			w.line("account", "%s", id.Account)
			w.line("arn", "%s", id.ARN)
			w.line("user id", "%s", id.UserID)
			return w.err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// profileIdentity asks STS with profile's session.
func (a *app) profileIdentity(ctx context.Context, profile string) (identity, error) {
	s, err := a.assume(ctx, profile, 0)
	if err != nil {
		return identity{}, err
	}
	return callerIdentity(ctx, a.stsEngine(nil), s.Credentials, s.Region)
}

// envIdentity asks STS with the environment's credentials.
func (a *app) envIdentity(ctx context.Context) (identity, error) {
	c := creds.Credentials{
		AccessKeyID:     a.getenv(creds.EnvAccessKeyID),
		SecretAccessKey: a.getenv(creds.EnvSecretAccessKey),
		SessionToken:    a.getenv(creds.EnvSessionToken),
	}
	if c.SecretAccessKey == "" {
		return identity{}, errors.New("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	}
	return callerIdentity(ctx, a.stsEngine(nil), c, "")
}

func callerIdentity(ctx context.Context, eng *creds.Engine, c creds.Credentials, region string) (identity, error) {
	id, err := eng.CallerIdentity(ctx, c, region)
	if err != nil {
		return identity{}, err
	}
	return identity{Account: id.Account, ARN: id.ARN, UserID: id.UserID}, nil
}
