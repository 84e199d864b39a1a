package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// KeysAddOptions are keys add's arguments, flags and effects.
type KeysAddOptions struct {
	IO       IOStreams
	Getenv   func(string) string
	GOOS     string
	Profile  string
	Env      bool // read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
	NoVerify bool
	Backend  string
	// Ask reads a line from the terminal (echo false: masked).
	Ask func(ctx context.Context, prompt string, echo bool) (string, error)
	// Verify asks STS who the keys belong to.
	Verify func(ctx context.Context, c creds.Credentials) (creds.Identity, error)
	Store  func(ctx context.Context, backend, profile string, c creds.Credentials) error
	Config func() (*profiles.Config, error)
}

// NewCmdKeysAdd is `switcher keys add PROFILE`.
func NewCmdKeysAdd(f *Factory, runF func(context.Context, *KeysAddOptions) error) *cobra.Command {
	opts := &KeysAddOptions{IO: f.IO, Getenv: f.Getenv, GOOS: f.GOOS, Config: f.LoadConfig,
		Ask: creds.TTYPrompter{}.Line,
		Verify: func(ctx context.Context, c creds.Credentials) (creds.Identity, error) {
			return f.STSEngine(nil).CallerIdentity(ctx, c, "")
		},
		Store: func(ctx context.Context, backend, profile string, c creds.Credentials) error {
			return f.storeKeys(ctx, backend, profile, c, false)
		}}
	cmd := &cobra.Command{
		Use:   "add PROFILE",
		Short: "Store a profile's long-term access keys in the keyring (asked on the terminal, or --env)",
		Long: `Read an access key id and its secret (the secret masked) from the terminal, or
from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with --env; check them with
GetCallerIdentity (skip with --no-verify); store them in the keyring. PROFILE
may be a profile of the config (its mfa_serial, region and roles then use the
keys) or a new name.`,
		Example: `  switcher keys add alice
  AWS_ACCESS_KEY_ID=AKIA... AWS_SECRET_ACCESS_KEY=... switcher keys add alice --env
  switcher keys add alice --keyring-backend file`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return keysAddRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Env, "env", false, "read the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	cmd.Flags().BoolVar(&opts.NoVerify, "no-verify", false, "store the keys without asking STS about them")
	keyringFlag(cmd, &opts.Backend)
	return cmd
}

func keysAddRun(ctx context.Context, opts *KeysAddOptions) error {
	if err := creds.ValidateSectionName(opts.Profile); err != nil {
		return usagef("profile name: %w", err)
	}
	c, err := readKeys(ctx, opts)
	if err != nil {
		return err
	}
	if err := checkLongTermKeys(c); err != nil {
		return fmt.Errorf("keys add %s: %w; nothing was stored", opts.Profile, err)
	}
	who := ""
	if !opts.NoVerify {
		id, err := opts.Verify(ctx, c)
		if err != nil {
			return fmt.Errorf("keys add %s: the keys did not verify: %w; nothing was stored (--no-verify stores them anyway)", opts.Profile, err)
		}
		who = ", " + id.ARN
	}
	backend, note := chooseBackend(opts.Backend, opts.Getenv, opts.GOOS)
	if note != "" {
		fmt.Fprintf(opts.IO.ErrOut, "switcher: %s\n", note)
	}
	if err := opts.Store(ctx, backend, opts.Profile, c); err != nil {
		return fmt.Errorf("keys add %s: %w; nothing was stored", opts.Profile, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: stored the keys of %s (…%s%s) in the keyring (%s)\n", opts.Profile, creds.KeyIDSuffix(c.AccessKeyID), who, backend)
	warnFileKeys(opts.IO, opts.Config, opts.Profile)
	return nil
}

// readKeys is the key pair from the environment (--env) or the terminal.
func readKeys(ctx context.Context, opts *KeysAddOptions) (creds.Credentials, error) {
	if opts.Env {
		c := creds.Credentials{
			AccessKeyID:     opts.Getenv(creds.EnvAccessKeyID),
			SecretAccessKey: opts.Getenv(creds.EnvSecretAccessKey),
			SessionToken:    opts.Getenv(creds.EnvSessionToken),
		}
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return c, usagef("--env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set")
		}
		return c, nil
	}
	id, err := opts.Ask(ctx, "Access key ID for "+opts.Profile+": ", true)
	if err != nil {
		return creds.Credentials{}, fmt.Errorf("keys add %s: %w (or use --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)", opts.Profile, err)
	}
	secret, err := opts.Ask(ctx, "Secret access key (not shown): ", false)
	if err != nil {
		return creds.Credentials{}, fmt.Errorf("keys add %s: %w", opts.Profile, err)
	}
	return creds.Credentials{AccessKeyID: id, SecretAccessKey: secret}, nil
}

// warnFileKeys says when the credentials file also holds keys for the
// profile: switcher now uses the keyring's, the AWS CLI the file's.
func warnFileKeys(io IOStreams, config func() (*profiles.Config, error), profile string) {
	cfg, err := config()
	if err != nil {
		return
	}
	p, ok := cfg.Profile(profile)
	if !ok {
		return
	}
	if id, ok := p.Get(profiles.KeyAccessKeyID); ok {
		fmt.Fprintf(io.ErrOut, "switcher: %s still holds keys for %s: switcher uses the keyring's, the AWS CLI the file's; delete them from the file (`switcher keys import %s` does, storing the file's in the keyring)\n", id.Pos, profile, profile)
	}
}
