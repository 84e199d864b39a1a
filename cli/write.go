package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// WriteOptions are write's arguments, flags and effects.
type WriteOptions struct {
	IO              IOStreams
	Now             func() time.Time
	Config          func() (*profiles.Config, error)
	AssumeWith      func(ctx context.Context, cfg *profiles.Config, profile string, min time.Duration) (*creds.Session, error)
	CredentialsPath func() (string, error)
	Profile         string
	As              string
}

// NewCmdWrite is `switcher write PROFILE [--as NAME]`.
func NewCmdWrite(f *Factory, runF func(context.Context, *WriteOptions) error) *cobra.Command {
	opts := &WriteOptions{IO: f.IO, Now: f.Now, Config: f.LoadConfig, AssumeWith: f.AssumeWith, CredentialsPath: f.CredentialsPath}
	cmd := &cobra.Command{
		Use:   "write PROFILE [--as NAME]",
		Short: "Write a profile's session into the shared credentials file",
		Long: `Assume PROFILE and write its session (keys, token, expiration, region) as
section [NAME] of the shared credentials file (--credentials,
$AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), for tools that read only
that file: aws --profile NAME. NAME defaults to PROFILE when that section can
be written safely, else to PROFILE-session (a role profile's own name always
shadows the keys, and a profile with long-term keys would lose them).

Only that section changes: every other section and every comment is kept. The
file is replaced atomically with mode 0600 (a symlink's target is rewritten),
under a lock.

switcher refuses a NAME whose profile in the config file assumes a role (or
uses SSO or web identity), because the AWS CLI and SDKs would then use that
setting and never read the keys; and a NAME whose section in the credentials
file holds long-term keys or other settings (role_arn, source_profile, ...),
which would be lost. Pick another name with --as.`,
		Example: `  switcher write prod          # writes [prod-session]: prod is a role profile
  aws --profile prod-session s3 ls
  switcher write prod --as ci`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			f.newCredentials = true // write creates the credentials file it names
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return writeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.As, "as", "", "section name to write (default: PROFILE, or PROFILE-session when PROFILE cannot be written safely)")
	_ = cmd.RegisterFlagCompletionFunc("as", cobra.NoFileCompletions)
	return cmd
}

func writeRun(ctx context.Context, opts *WriteOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	name := opts.As
	if name == "" {
		name = defaultWriteName(cfg, opts.Profile)
	}
	if err := creds.ValidateSectionName(name); err != nil {
		return usagef("--as: %w", err)
	}
	if err := checkWriteTarget(cfg, opts.Profile, name, opts.As == ""); err != nil {
		return err
	}
	s, err := opts.AssumeWith(ctx, cfg, opts.Profile, 0)
	if err != nil {
		return err
	}
	path, err := opts.CredentialsPath()
	if err != nil {
		return err
	}
	f := creds.CredentialsFile{Path: path, Now: opts.Now}
	if err := f.WriteSection(name, s.Credentials, s.Region); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: wrote %s to [%s] in %s; use it with --profile %s\n",
		describeSession(s, opts.Now()), name, path, name)
	return nil
}

// WriteTargetError explains why a section name cannot be written.
type WriteTargetError struct {
	Name    string
	Profile string
	Key     string // the setting in the way
	Pos     profiles.Pos
	Reason  string
	Fix     string
}

func (e *WriteTargetError) Error() string {
	return fmt.Sprintf("cannot write [%s]: %s (%s at %s); %s", e.Name, e.Reason, e.Key, e.Pos, e.Fix)
}

// defaultWriteName is the section write uses without --as: the profile's
// own name when writing there is safe, else PROFILE-session.
func defaultWriteName(cfg *profiles.Config, profile string) string {
	if writeTargetProblem(cfg, profile) == nil {
		return profile
	}
	return profile + "-session"
}

// checkWriteTarget refuses a section name that a config profile would
// shadow, or whose section in the credentials file holds long-term keys or
// settings that the rewrite would lose.
func checkWriteTarget(cfg *profiles.Config, profile, name string, defaulted bool) error {
	e := writeTargetProblem(cfg, name)
	if e == nil {
		return nil
	}
	e.Profile = profile
	alt := defaultWriteName(cfg, profile)
	switch {
	case alt != name && writeTargetProblem(cfg, alt) == nil:
		e.Fix = fmt.Sprintf("write under another name: switcher write %s --as %s", profile, alt)
	case defaulted:
		e.Fix = fmt.Sprintf("NAME defaults to %s; pick a free section name: switcher write %s --as NAME", name, profile)
	default:
		e.Fix = fmt.Sprintf("pick a free section name: switcher write %s --as NAME", profile)
	}
	return e
}

// writeTargetProblem says why section name cannot be written, or nil.
func writeTargetProblem(cfg *profiles.Config, name string) *WriteTargetError {
	p, ok := cfg.Profile(name)
	if !ok {
		return nil
	}
	// role_arn, SSO and web identity in the config file come before the
	// credentials file's keys for the AWS CLI and SDKs; any of these in the
	// credentials file's own section would be lost by the rewrite.
	keys := []string{
		profiles.KeyRoleARN, profiles.KeyWebIdentityTokenFile, profiles.KeySSOSession, profiles.KeySSOStartURL,
		profiles.KeySourceProfile, profiles.KeyCredentialSource, profiles.KeyCredentialProcess,
	}
	for i, k := range keys {
		v, ok := p.Get(k)
		if !ok {
			continue
		}
		var reason string
		switch {
		case v.Pos.File == cfg.CredentialsFile:
			reason = fmt.Sprintf("[%s] in the credentials file has %s, which writing the session would remove", name, k)
		case i < 4:
			reason = fmt.Sprintf("profile %s in the config file has %s, so the AWS CLI and SDKs would use it and never read keys written to [%s] in the credentials file", name, k, name)
		default:
			continue
		}
		return &WriteTargetError{Name: name, Key: k, Pos: v.Pos, Reason: reason}
	}
	id, hasKey := p.Get(profiles.KeyAccessKeyID)
	if _, hasToken := p.Get(profiles.KeySessionToken); hasKey && !hasToken && id.Pos.File == cfg.CredentialsFile {
		return &WriteTargetError{
			Name: name, Key: profiles.KeyAccessKeyID, Pos: id.Pos,
			Reason: fmt.Sprintf("[%s] holds long-term access keys (no session token) that writing would destroy", name),
		}
	}
	return nil
}
