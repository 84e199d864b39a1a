package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// KeysImportOptions are keys import's arguments, flags and effects.
type KeysImportOptions struct {
	IO              IOStreams
	Getenv          func(string) string
	GOOS            string
	Profile         string
	All             bool
	Backend         string
	Config          func() (*profiles.Config, error)
	CredentialsPath func() (string, error)
	Store           func(ctx context.Context, backend, profile string, c creds.Credentials) error
}

// NewCmdKeysImport is `switcher keys import PROFILE|--all`.
func NewCmdKeysImport(f *Factory, runF func(context.Context, *KeysImportOptions) error) *cobra.Command {
	opts := &KeysImportOptions{IO: f.IO, Getenv: f.Getenv, GOOS: f.GOOS, Config: f.loadFilesOnly, CredentialsPath: f.CredentialsPath,
		Store: func(ctx context.Context, backend, profile string, c creds.Credentials) error {
			return f.storeKeys(ctx, backend, profile, c, false)
		}}
	cmd := &cobra.Command{
		Use:   "import PROFILE|--all",
		Short: "Move long-term keys from the credentials file into the keyring",
		Long: `Move the long-term keys (aws_access_key_id and aws_secret_access_key, no
session token) of PROFILE, or of every profile with --all, from the shared
credentials file into the keyring: each is stored, read back and compared,
and only then removed from the file, with the same locked, atomic,
comment-keeping writer as switcher write (the section's other settings and
every other section are kept byte for byte; a section left empty goes).`,
		Example: "  switcher keys import alice\n  switcher keys import --all --keyring-backend file",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 1 && opts.All:
				return usagef("keys import takes a PROFILE or --all, not both")
			case len(args) == 0 && !opts.All:
				return usagef("keys import needs a PROFILE, or --all for every profile with keys in the credentials file")
			case len(args) == 1:
				opts.Profile = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return keysImportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "every profile with long-term keys in the credentials file")
	keyringFlag(cmd, &opts.Backend)
	return cmd
}

// importNames are the profiles to import: PROFILE, or with --all every
// profile with long-term keys in the credentials file.
func importNames(cfg *profiles.Config, opts *KeysImportOptions) ([]string, error) {
	if !opts.All {
		p, ok := cfg.Profile(opts.Profile)
		if !ok {
			return nil, fmt.Errorf("keys import: %w", &profiles.UnknownProfileError{Name: opts.Profile})
		}
		if _, err := importable(cfg, p); err != nil {
			return nil, fmt.Errorf("keys import: %w", err)
		}
		return []string{opts.Profile}, nil
	}
	var names []string
	for _, p := range cfg.Profiles() {
		if _, err := importable(cfg, p); err == nil {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("keys import --all: no profile has long-term keys in %s", cfg.CredentialsFile)
	}
	return names, nil
}

// loadFilesOnly is the config as the files say it, without the keyring:
// what import moves out of the credentials file.
func (f *Factory) loadFilesOnly() (*profiles.Config, error) { return f.loadFiles() }

// importable is a profile's long-term keys in the credentials file, or why
// they cannot be moved.
func importable(cfg *profiles.Config, p *profiles.Profile) (creds.Credentials, error) {
	id, hasID := p.Get(profiles.KeyAccessKeyID)
	secret, hasSecret := p.Get(profiles.KeySecretAccessKey)
	_, hasToken := p.Get(profiles.KeySessionToken)
	switch {
	case !hasID || !hasSecret:
		return creds.Credentials{}, fmt.Errorf("profile %s has no long-term keys (aws_access_key_id and aws_secret_access_key) in either file", p.Name)
	case hasToken:
		return creds.Credentials{}, fmt.Errorf("profile %s holds temporary credentials (aws_session_token): only long-term keys go in the keyring", p.Name)
	case id.Pos.File != cfg.CredentialsFile || secret.Pos.File != cfg.CredentialsFile:
		return creds.Credentials{}, fmt.Errorf("the keys of %s are in %s, not the credentials file: move them to [%s] of %s first, or use switcher keys add %s", p.Name, id.Pos, p.Name, cfg.CredentialsFile, p.Name)
	}
	return creds.Credentials{AccessKeyID: id.Value, SecretAccessKey: secret.Value}, nil
}

func keysImportRun(ctx context.Context, opts *KeysImportOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	names, err := importNames(cfg, opts)
	if err != nil {
		return err
	}
	backend, note := chooseBackend(opts.Backend, opts.Getenv, opts.GOOS)
	if note != "" {
		fmt.Fprintf(opts.IO.ErrOut, "switcher: %s\n", note)
	}
	path, err := opts.CredentialsPath()
	if err != nil {
		return err
	}
	file := creds.CredentialsFile{Path: path}
	for _, name := range names {
		p, _ := cfg.Profile(name)
		c, _ := importable(cfg, p)
		if err := opts.Store(ctx, backend, name, c); err != nil {
			return fmt.Errorf("keys import %s: %w; the credentials file still holds the keys", name, err)
		}
		if err := file.RemoveKeys(name); err != nil {
			return fmt.Errorf("keys import %s: stored in the keyring (%s), which switcher now uses, but removing them from %s failed: %w; delete them by hand", name, backend, path, err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "switcher: moved the keys of %s (…%s) into the keyring (%s) and out of %s\n", name, creds.KeyIDSuffix(c.AccessKeyID), backend, path)
	}
	return nil
}
