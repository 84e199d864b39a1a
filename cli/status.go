package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// shellState is what the current environment holds, read from the AWS_*
// variables switcher export sets (and AWS_PROFILE). It never holds a secret.
type shellState struct {
	Profile     string    `json:"profile,omitempty"`
	From        string    `json:"from,omitempty"`          // the variable that named the profile
	AccessKeyID string    `json:"access_key_id,omitempty"` // redacted
	Temporary   bool      `json:"temporary"`
	Expiration  time.Time `json:"expiration,omitzero"`
	SecondsLeft *int64    `json:"seconds_left,omitempty"`
	Expired     bool      `json:"expired"`
	Identity    *identity `json:"identity,omitempty"`

	hasKeys  bool
	timeLeft time.Duration
	badExp   string // an AWS_CREDENTIAL_EXPIRATION that is not RFC 3339
}

// identity is GetCallerIdentity's answer as whoami and status print it.
type identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// StatusOptions are status's flags and effects.
type StatusOptions struct {
	IO       IOStreams
	Getenv   func(string) string
	Now      func() time.Time
	STS      func() *creds.Engine
	Short    bool
	JSON     bool
	Identity bool
}

// NewCmdStatus is `switcher status`.
func NewCmdStatus(f *Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Getenv: f.Getenv, Now: f.Now, STS: func() *creds.Engine { return f.STSEngine(nil) }}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the current shell holds: profile, key, time left",
		Long: `Show the AWS credentials of the current environment: the profile they came
from (SWITCHER_PROFILE, set by switcher export, or AWS_PROFILE), the access
key (last 4 characters), and the time left from AWS_CREDENTIAL_EXPIRATION.
It makes no network call unless --identity is given.

--short prints one line for a shell prompt ("prod 42m", "prod expired"), or
nothing when the environment holds no credentials and no profile.`,
		Example: `  switcher status
  switcher status --short      # prod 42m
  PS1='$(switcher status --short) \$ '`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Short, "short", false, "one line for a shell prompt, e.g. \"prod 42m\"")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.Identity, "identity", false, "also ask STS who the credentials belong to (GetCallerIdentity)")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	if opts.Short && opts.JSON {
		return usagef("--short and --json cannot be used together")
	}
	st := readShellState(opts.Getenv, opts.Now())
	if st.badExp != "" {
		fmt.Fprintf(opts.IO.ErrOut, "switcher: AWS_CREDENTIAL_EXPIRATION=%q is not an RFC 3339 time; time left unknown\n", st.badExp)
	}
	if opts.Identity && st.hasKeys {
		id, err := envIdentity(ctx, opts.Getenv, opts.STS())
		if err != nil {
			return err
		}
		st.Identity = &id
	}
	switch {
	case opts.Short:
		return writeStatusShort(opts.IO.Out, st)
	case opts.JSON:
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return writeStatus(opts.IO.Out, st)
}

// readShellState reads the environment.
func readShellState(getenv func(string) string, now time.Time) shellState {
	var st shellState
	if id := getenv(creds.EnvAccessKeyID); id != "" {
		st.hasKeys = true
		st.AccessKeyID = creds.RedactKeyID(id)
		st.Temporary = getenv(creds.EnvSessionToken) != ""
		if p := getenv(creds.EnvSwitcherProfile); p != "" {
			st.Profile, st.From = p, creds.EnvSwitcherProfile
		}
	}
	if st.Profile == "" {
		for _, k := range []string{creds.EnvProfile, creds.EnvDefaultProfile} {
			if p := getenv(k); p != "" {
				st.Profile, st.From = p, k
				break
			}
		}
	}
	if exp := getenv(creds.EnvCredentialExpiration); exp != "" && st.hasKeys {
		t, err := time.Parse(time.RFC3339, exp)
		if err != nil {
			st.badExp = exp
			return st
		}
		st.Expiration = t
		st.timeLeft = t.Sub(now)
		secs := int64(st.timeLeft / time.Second)
		st.SecondsLeft = &secs
		st.Expired = st.timeLeft <= 0
	}
	return st
}

func writeStatus(w io.Writer, st shellState) error {
	if !st.hasKeys && st.Profile == "" {
		_, err := fmt.Fprintln(w, "no AWS credentials and no AWS_PROFILE in this environment")
		return err
	}
	tw := &lineWriter{w: w}
	if st.Profile != "" {
		tw.line("profile", "%s (from %s)", st.Profile, st.From)
	}
	if st.hasKeys {
		kind := "long-term"
		if st.Temporary {
			kind = "temporary"
		}
		tw.line("access key", "%s (%s)", st.AccessKeyID, kind)
	} else {
		tw.line("access key", "none in the environment; AWS tools read the profile's settings")
	}
	switch {
	case !st.Expiration.IsZero() && st.Expired:
		tw.line("expires", "%s (expired %s ago)", st.Expiration.UTC().Format(time.RFC3339), formatLeft(-st.timeLeft))
	case !st.Expiration.IsZero():
		tw.line("expires", "%s (in %s)", st.Expiration.UTC().Format(time.RFC3339), formatLeft(st.timeLeft))
	case st.hasKeys && st.badExp == "":
		tw.line("expires", "unknown (AWS_CREDENTIAL_EXPIRATION is not set)")
	}
	if id := st.Identity; id != nil {
		tw.line("identity", "%s", id.ARN)
		tw.line("account", "%s", id.Account)
	}
	return tw.err
}

// writeStatusShort writes "prod 42m", "prod expired", "prod" or nothing.
func writeStatusShort(w io.Writer, st shellState) error {
	name := st.Profile
	if name == "" && st.hasKeys {
		name = st.AccessKeyID
	}
	if name == "" {
		return nil
	}
	switch {
	case st.Expired:
		name += " expired"
	case !st.Expiration.IsZero():
		name += " " + formatLeft(st.timeLeft)
	}
	_, err := fmt.Fprintln(w, name)
	return err
}

// formatLeft is a duration as a prompt shows it: 1h05m, 42m, 30s.
func formatLeft(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d > 0:
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	return "0s"
}

// lineWriter writes aligned "label  value" lines and keeps the first error.
type lineWriter struct {
	w   io.Writer
	err error
}

func (l *lineWriter) line(label, format string, args ...any) {
	if l.err != nil {
		return
	}
	_, l.err = fmt.Fprintf(l.w, "%-11s %s\n", label, fmt.Sprintf(format, args...))
}
