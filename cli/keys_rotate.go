package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// KeysRotateOptions are keys rotate's arguments and effects.
type KeysRotateOptions struct {
	IO      IOStreams
	Getenv  func(string) string
	Profile string
	Records func() (map[string]creds.KeyRecord, error)
	Open    func(backend string) (creds.Keyring, error)
	Config  func() (*profiles.Config, error)
	// MFASession is the profile's MFA session, which signs the IAM calls
	// when the profile has mfa_serial.
	MFASession func(ctx context.Context, profile string) (*creds.Session, error)
	Verify     func(ctx context.Context, c creds.Credentials) (creds.Identity, error)
	Store      func(ctx context.Context, backend, profile string, c creds.Credentials) error
	IAM        func(signer creds.Credentials) creds.IAMClient
	// Propagation bounds the wait for IAM to accept the new key.
	Propagation time.Duration
	Debugf      func(string, ...any)
}

// NewCmdKeysRotate is `switcher keys rotate PROFILE`.
func NewCmdKeysRotate(f *Factory, runF func(context.Context, *KeysRotateOptions) error) *cobra.Command {
	opts := &KeysRotateOptions{IO: f.IO, Getenv: f.Getenv, Records: f.keyRecords, Open: f.OpenKeyring, Config: f.LoadConfig, Debugf: f.debugFunc(),
		MFASession: func(ctx context.Context, profile string) (*creds.Session, error) { return f.Assume(ctx, profile, 0) },
		Verify: func(ctx context.Context, c creds.Credentials) (creds.Identity, error) {
			return f.STSEngine(nil).CallerIdentity(ctx, c, "")
		},
		Store: func(ctx context.Context, backend, profile string, c creds.Credentials) error {
			return f.storeKeys(ctx, backend, profile, c, true)
		},
		IAM: func(signer creds.Credentials) creds.IAMClient {
			return creds.NewIAMClient(signer, creds.IAMEndpoint(f.Getenv), creds.NewHTTPClient(), f.Now)
		}}
	return &cobra.Command{
		Use:   "rotate PROFILE",
		Short: "Replace a profile's access key: create a new one in IAM, check it, store it, delete the old one",
		Long: `Rotate the long-term access key of PROFILE (its keys must be in the keyring):
IAM CreateAccessKey, GetCallerIdentity with the new key (retried while IAM
propagates it, at most a minute), store it in the keyring, then
DeleteAccessKey of the old one. The IAM calls are signed by the old key, or
by an MFA session of it when the profile has mfa_serial. If anything fails,
the error says which key is live; the keyring always holds a working key.`,
		Example: "  switcher keys rotate alice",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return keysRotateRun(cmd.Context(), opts)
		},
	}
}

func keysRotateRun(ctx context.Context, opts *KeysRotateOptions) error {
	recs, err := opts.Records()
	if err != nil {
		return err
	}
	r, ok := recs[opts.Profile]
	if !ok {
		return fmt.Errorf("keys rotate: %s has no keys in a keyring: `switcher keys import %s` moves them there from the credentials file", opts.Profile, opts.Profile)
	}
	kr, err := opts.Open(r.Backend)
	if err != nil {
		return err
	}
	old, err := kr.Get(ctx, opts.Profile)
	if err != nil {
		return err
	}
	signer := old
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if p, ok := cfg.Profile(opts.Profile); ok && p.Value(profiles.KeyMFASerial) != "" {
		s, err := opts.MFASession(ctx, opts.Profile)
		if err != nil {
			return fmt.Errorf("keys rotate %s: the MFA session that signs the IAM calls: %w", opts.Profile, err)
		}
		signer = s.Credentials
	}
	rot := creds.Rotation{
		Profile: opts.Profile, Old: old, Signer: signer, IAM: opts.IAM(signer),
		Verify: opts.Verify, Propagation: opts.Propagation, Debugf: opts.Debugf,
		Store: func(ctx context.Context, c creds.Credentials) error {
			return opts.Store(ctx, r.Backend, opts.Profile, c)
		},
	}
	nk, id, err := rot.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: rotated the key of %s (%s): …%s replaces …%s, which is deleted; the keyring (%s) holds the new one\n",
		opts.Profile, id.ARN, creds.KeyIDSuffix(nk.AccessKeyID), creds.KeyIDSuffix(old.AccessKeyID), r.Backend)
	return nil
}
