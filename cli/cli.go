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
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
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
		fmt.Fprintln(stderr, "Run 'switcher --help' for usage.")
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
	)
	wrapArgs(root) // the root and every subcommand: argument mistakes exit 2
	return root
}

// wrapArgs turns cobra's argument-count and flag errors into usage errors
// (exit 2).
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return &usageError{err}
			}
			return nil
		}
	}
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
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
	if f.Environ == nil {
		f.Environ = func() []string { return nil }
	}
	return f
}
