// Package cli is switcher's command line: one cobra command per file, each
// built by NewCmdX from the shared Factory into its own XOptions and run by
// xRun; the global flags; exit codes; and the credential-process fast path,
// which answers a cache hit before any of that is set up.
//
//	os.Exit(cli.Main(os.Args[1:], cli.Deps{Stdin: os.Stdin, Stdout: os.Stdout, ...}))
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes (DESIGN.md).
const (
	exitOK        = 0
	exitFailure   = 1
	exitUsage     = 2
	exitCancelled = 130
)

// Build identifies the binary: goreleaser sets main's version, commit and
// date with -ldflags -X, and main passes them on.
type Build struct{ Version, Commit, Date string }

// Deps are the process's effects, chosen by main. Stdin, Stdout, Stderr,
// Getenv, Environ and Now are required; the others default when nil.
type Deps struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Environ        func() []string // the environment a child of exec inherits
	Now            func() time.Time
	Build          Build
	// OpenTTY opens the terminal the picker is drawn on; nil: tea.OpenTTY.
	OpenTTY func() (in, out *os.File, err error)
	// OpenURL opens a browser; nil: xdg-open, open or rundll32.
	OpenURL func(ctx context.Context, url string) error
	// GOOS is the system whose conventions apply; "": runtime.GOOS.
	GOOS string
	// KeyringWorkFactor is the scrypt cost (log2 N) of new items in the
	// file keyring; 0: age's 18, about a second.
	KeyringWorkFactor int
}

// Main runs switcher with args and returns the exit code. A credential-
// process cache hit is answered first, before signals and the command
// tree are set up (fastpath.go).
func Main(args []string, d Deps) int {
	if code, ok := serveFast(args, d); ok {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, d)
}

// Run runs the command line under ctx and returns the exit code.
func Run(ctx context.Context, args []string, d Deps) int {
	f := newFactory(d)
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out) // --help, --version and completion scripts are asked for; errors go to stderr
	root.SetErr(f.IO.ErrOut)
	err := root.ExecuteContext(ctx)
	f.bg.Wait()
	return report(f.IO.ErrOut, err)
}

// usageError marks a command-line mistake (exit 2).
type usageError struct {
	err  error
	help string // the command whose --help to point at; "" for switcher's
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// globalUsagef is a usage error in a global flag (--config, --duration,
// ...), documented in switcher's own help.
func globalUsagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), help: "switcher"}
}

// errCancelled is returned when the user cancels (Ctrl+C, Esc at the top).
var errCancelled = errors.New("cancelled")

// exitError carries an exit code decided by a command that already printed
// what a person needs (doctor with errors, exec with the child's code).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// report prints err for a person and maps it to an exit code: the one
// place errors become exit codes.
func report(stderr io.Writer, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, errCancelled) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "switcher: cancelled")
		return exitCancelled
	}
	fmt.Fprintf(stderr, "switcher: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		help := ue.help
		if help == "" {
			help = "switcher"
		}
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", help)
		return exitUsage
	}
	return exitFailure
}

// versionString is what --version prints: goreleaser sets version, commit
// and date; a `go install ...@vX` build has only its module version.
func versionString(b Build) string {
	v, c, d := b.Version, b.Commit, b.Date
	if v == "" || v == "dev" {
		v = "dev"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("%s (commit %s, built %s)", v, orDefault(c, "none"), orDefault(d, "unknown"))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// GlobalFlags are the flags every command takes. register defines them,
// for cobra's root and for the fast path alike.
type GlobalFlags struct {
	ConfigFile      string
	CredentialsFile string
	Debug           bool
	MFACode         string
	Duration        string
	Region          string
	EndpointURL     string
	NoCache         bool
	NoSession       bool
	// SessionPolicy and SessionPolicyARNs scope the final role's session
	// down (AssumeRole's Policy and PolicyArns).
	SessionPolicy     string
	SessionPolicyARNs string
}

func (g *GlobalFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&g.ConfigFile, "config", "", "config file (default $AWS_CONFIG_FILE or ~/.aws/config)")
	fs.StringVar(&g.CredentialsFile, "credentials", "", "credentials file (default $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)")
	fs.BoolVar(&g.Debug, "debug", false, "explain what switcher does on stderr (never prints a secret)")
	fs.StringVar(&g.MFACode, "mfa-code", "", "MFA code (6 digits) instead of a prompt")
	fs.StringVar(&g.Duration, "duration", "", "session duration for the final role, e.g. 1h or 3600")
	fs.StringVar(&g.Region, "region", "", "AWS region (default from the profile chain, $AWS_REGION, $AWS_DEFAULT_REGION)")
	fs.StringVar(&g.EndpointURL, "endpoint-url", "", "STS endpoint (default $AWS_ENDPOINT_URL_STS, $AWS_ENDPOINT_URL, the profile's endpoint_url)")
	fs.BoolVar(&g.NoCache, "no-cache", false, "neither read nor write cached sessions")
	fs.BoolVar(&g.NoSession, "no-session", false, "hand out a profile's long-term keys as they are, not a GetSessionToken session of them")
	fs.StringVar(&g.SessionPolicy, "session-policy", "", "scope the final role's session down with this policy: JSON, or file://PATH")
	fs.StringVar(&g.SessionPolicyARNs, "session-policy-arns", "", "scope the final role's session down with these managed policies: ARN,ARN (at most 10)")
}

// NewCmdRoot is `switcher`: the picker, with every command under it.
func NewCmdRoot(f *Factory) *cobra.Command {
	root := NewCmdPicker(f, nil)
	root.Use = "switcher"
	root.Short = "Assume AWS roles from ~/.aws/config: picker, exports, credential_process, dashboard"
	root.Version = versionString(f.Build)
	root.SilenceUsage = true
	root.SilenceErrors = true
	f.Flags.register(root.PersistentFlags())
	root.AddCommand(
		NewCmdInit(f, nil),
		NewCmdExport(f, nil),
		NewCmdCredentialProcess(f, nil),
		NewCmdWrite(f, nil),
		NewCmdExec(f, nil),
		NewCmdWhoami(f, nil),
		NewCmdStatus(f, nil),
		NewCmdClean(f, nil),
		NewCmdList(f, nil),
		NewCmdPlan(f, nil),
		NewCmdDoctor(f, nil),
		NewCmdDemo(f, nil),
		NewCmdConsole(f, nil),
		NewCmdKeys(f),
		NewCmdServe(f, nil),
		NewCmdLogin(f, nil),
		NewCmdSync(f, nil),
	)
	wrapArgs(root) // the root and every subcommand: argument mistakes exit 2
	return root
}

// wrapArgs turns cobra's argument-count and flag errors into usage errors
// (exit 2) said in switcher's words: what is missing or extra, with the
// command's usage line, and for an unknown command the closest ones.
func wrapArgs(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return &usageError{err: argsError(cmd, args, err), help: cmd.CommandPath()}
			}
			return nil
		}
	}
	c.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{err: flagError(cmd, err), help: cmd.CommandPath()}
	})
	// A usage mistake a command finds itself (flags that go together, a
	// bad template) points at that command's help too.
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			err := run(cmd, args)
			var ue *usageError
			if errors.As(err, &ue) && ue.help == "" {
				ue.help = cmd.CommandPath()
			}
			return err
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

// argsError explains a command's wrong arguments. cobra's own messages
// ("accepts 1 arg(s), received 0") become what is missing or extra; a
// custom check's message (exec's) is kept.
func argsError(cmd *cobra.Command, args []string, err error) error {
	if cmd.HasAvailableSubCommands() && len(args) > 0 {
		return unknownCommand(cmd, args[0])
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "accepts ") && !strings.HasPrefix(msg, "unknown command") && !strings.HasPrefix(msg, "requires ") {
		return err
	}
	usage := "usage: " + cmd.CommandPath() + strings.TrimPrefix(cmd.Use, cmd.Name())
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	want := useArgs(cmd.Use)
	if len(args) < len(want) {
		missing := want[len(args)]
		hint := ""
		if missing == "PROFILE" {
			hint = "; switcher list shows them"
		}
		if strings.Contains(missing, "|") {
			missing = "one of " + strings.ReplaceAll(missing, "|", ", ")
		}
		return fmt.Errorf("%s needs %s (%s%s)", name, missing, usage, hint)
	}
	extra := args[min(len(want), len(args)):]
	q := make([]string, len(extra))
	for i, a := range extra {
		q[i] = strconv.Quote(a)
	}
	what := "argument"
	if len(extra) > 1 {
		what = "arguments"
	}
	return fmt.Errorf("%s: unexpected %s %s (%s)", name, what, strings.Join(q, " "), usage)
}

// useArgs are the required positional words of a Use line: after the
// command's name, neither [optional] nor a --flag.
func useArgs(use string) []string {
	fields := strings.Fields(use)
	var out []string
	for _, w := range fields[min(1, len(fields)):] {
		if strings.HasPrefix(w, "[") || strings.HasPrefix(w, "-") || strings.HasSuffix(w, "]") {
			continue
		}
		out = append(out, w)
	}
	return out
}

// flagError adds the closest flag to pflag's "unknown flag: --jsn".
func flagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	best, bestD := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(name, f.Name); d < bestD && !f.Hidden {
			best, bestD = f.Name, d
		}
	})
	if best == "" {
		return err
	}
	return fmt.Errorf("%w: did you mean --%s?", err, best)
}

// editDistance is the Levenshtein distance of two short words.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unknownCommand names the closest commands to a mistyped one.
func unknownCommand(cmd *cobra.Command, name string) error {
	sugg := cmd.SuggestionsFor(name)
	switch len(sugg) {
	case 0:
		return fmt.Errorf("unknown command %q for %s (%s --help lists the commands)", name, cmd.CommandPath(), cmd.CommandPath())
	case 1:
		return fmt.Errorf("unknown command %q for %s: did you mean %q?", name, cmd.CommandPath(), sugg[0])
	}
	q := make([]string, len(sugg))
	for i, s := range sugg {
		q[i] = strconv.Quote(s)
	}
	return fmt.Errorf("unknown command %q for %s: did you mean one of %s?", name, cmd.CommandPath(), strings.Join(q, ", "))
}

// newFactory fills the defaults of d.
func newFactory(d Deps) *Factory {
	f := &Factory{
		IO:         IOStreams{In: d.Stdin, Out: d.Stdout, ErrOut: d.Stderr},
		Getenv:     d.Getenv,
		Environ:    d.Environ,
		Now:        d.Now,
		Build:      d.Build,
		OpenTTY:    d.OpenTTY,
		GOOS:       d.GOOS,
		workFactor: d.KeyringWorkFactor,
	}
	if f.OpenTTY == nil {
		f.OpenTTY = tea.OpenTTY
	}
	if f.GOOS == "" {
		f.GOOS = runtime.GOOS
	}
	if f.OpenURL = d.OpenURL; f.OpenURL == nil {
		f.OpenURL = openBrowser(f.GOOS)
	}
	if f.Environ == nil {
		f.Environ = func() []string { return nil }
	}
	return f
}
