package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// ExportOptions are export's arguments, flags and effects.
type ExportOptions struct {
	IO      IOStreams
	Getenv  func(string) string
	Now     func() time.Time
	GOOS    string
	Assume  assumeFunc
	Profile string
	Format  string
	Unset   bool
	// OfferLogin runs the SSO login an error calls for, asking on the
	// terminal first; false: no login (no terminal, or declined).
	OfferLogin func(ctx context.Context, err error) bool
}

// NewCmdExport is `switcher export PROFILE [--format F] [--unset]`.
func NewCmdExport(f *Factory, runF func(context.Context, *ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IO, Getenv: f.Getenv, Now: f.Now, GOOS: f.GOOS, Assume: f.Assume, OfferLogin: f.offerLogin}
	cmd := &cobra.Command{
		Use:   "export PROFILE [--format sh|fish|powershell|cmd|dotenv|json] [--unset]",
		Short: "Print the statements that put a profile's credentials in the shell",
		Long: `Assume PROFILE (asking for an MFA code on the terminal if needed, reusing a
cached session while it lasts) and print the statements that set
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION (when known) and
SWITCHER_PROFILE, and unset AWS_PROFILE so the keys win. Every value is quoted
for its shell.

The format defaults to the one of $SHELL (fish, powershell), else sh, which
fits bash and zsh. --unset prints the statements that remove all of them.`,
		Example: `  eval "$(switcher export prod)"               # bash, zsh
  switcher export prod --format fish | source    # fish
  switcher export prod --format powershell | Invoke-Expression
  eval "$(switcher export --unset)"`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Profile = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "sh, fish, powershell, cmd, dotenv or json (default from $SHELL)")
	cmd.Flags().BoolVar(&opts.Unset, "unset", false, "print the statements that remove the credentials")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, f := range creds.Formats() {
			out = append(out, string(f))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	f, err := exportFormat(opts.Format, opts.Getenv, opts.GOOS)
	if err != nil {
		return err
	}
	if opts.Unset {
		// export PROFILE --unset, as the command line reads, removes the
		// same variables; say so when the shell holds another profile's.
		if cur := opts.Getenv("SWITCHER_PROFILE"); opts.Profile != "" && cur != "" && cur != opts.Profile {
			fmt.Fprintf(opts.IO.ErrOut, "switcher: this shell holds %s's credentials, not %s's; removing them\n", cur, opts.Profile)
		}
		if err := creds.WriteUnset(opts.IO.Out, f); err != nil {
			if errors.Is(err, creds.ErrCannotUnset) {
				return &usageError{err: err}
			}
			return err
		}
		return nil
	}
	if opts.Profile == "" {
		return usagef("export needs a PROFILE (or --unset)")
	}
	s, err := opts.Assume(ctx, opts.Profile, 0)
	if err != nil && opts.OfferLogin != nil && opts.OfferLogin(ctx, err) {
		s, err = opts.Assume(ctx, opts.Profile, 0) // logged in: once more
	}
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := creds.WriteExports(&out, f, s); err != nil {
		return err
	}
	if _, err := opts.IO.Out.Write(out.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: %s\n", describeSession(s, opts.Now()))
	if isTerminal(opts.IO.Out) {
		fmt.Fprintf(opts.IO.ErrOut, "switcher: printing changes nothing; to switch this shell: %s (or set up `switcher init`)\n", applyHint(f, opts.Profile))
	}
	return nil
}

// exportFormat is --format, else the format of $SHELL (on Windows without
// $SHELL: PowerShell).
func exportFormat(flag string, getenv func(string) string, goos string) (creds.Format, error) {
	if flag != "" {
		f, err := creds.ParseFormat(flag)
		if err != nil {
			return "", usagef("--format: %w", err)
		}
		return f, nil
	}
	shell := getenv("SHELL")
	if shell == "" && goos == "windows" {
		return creds.FormatPowerShell, nil
	}
	return creds.FormatForShell(shell), nil
}

// isTerminal reports whether w is a terminal (export printed to the
// screen rather than captured by eval).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// applyHint is how a shell evaluates the export of profile in format f.
func applyHint(f creds.Format, profile string) string {
	switch f {
	case creds.FormatFish:
		return "switcher export " + profile + " | source"
	case creds.FormatPowerShell:
		return "switcher export " + profile + " | Out-String | Invoke-Expression"
	}
	return `eval "$(switcher export ` + profile + `)"`
}

// describeSession is one line for a person about a session: the identity,
// whether it came from the cache, and when it expires. No secret.
func describeSession(s *creds.Session, now time.Time) string {
	var b strings.Builder
	b.WriteString(s.Profile)
	if s.AssumedRoleARN != "" {
		b.WriteString(" as " + s.AssumedRoleARN)
	} else if s.RoleARN != "" {
		b.WriteString(" as " + s.RoleARN)
	}
	if s.Expires() {
		fmt.Fprintf(&b, ", expires %s (in %s)", s.Expiration.Local().Format("15:04 MST"), formatLeft(s.TimeLeft(now)))
	}
	if s.FromCache {
		b.WriteString(", cached session")
	}
	return b.String()
}
