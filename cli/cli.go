// Package cli is switcher's command line: one cobra command per file, each
// with its own options, the global flags, exit codes, and the
// credential-process fast path that answers a cache hit before any of it.
//
//	os.Exit(cli.Main(os.Args[1:], cli.Deps{Stdin: os.Stdin, ...}))
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"
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

// build is the running binary's identity (set by Main; tests keep "dev").
var build = Build{Version: "dev", Commit: "none", Date: "unknown"}

// Main runs switcher with args and the real process streams and
// environment, and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, b Build) int {
	build = b
	if code, ok := serveFastMain(args, stdout, stderr, getenv); ok { // credential-process cache hit, before any set-up: fastpath.go
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdin, stdout, stderr, getenv)
}

// app carries the real dependencies and the global flags to every command.
// Tests build one through run with their own stdin, stdout, stderr and env.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time

	// Global flags.
	configFile      string
	credentialsFile string
	debug           bool
	mfaCode         string
	duration        string
	region          string
	endpointURL     string
	noCache         bool
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

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now}
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout) // --help, --version and completion scripts are asked for; errors go to stderr
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	return a.report(err)
}

// report prints err for a person and maps it to an exit code.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, errCancelled) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(a.stderr, "switcher: cancelled")
		return exitCancelled
	}
	fmt.Fprintf(a.stderr, "switcher: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(a.stderr, "Run 'switcher --help' for usage.")
		return exitUsage
	}
	return exitFailure
}

// exitError carries an exit code decided by a command that already printed
// what a person needs (doctor with errors, exec with the child's code).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// versionString is what --version prints: goreleaser sets version, commit
// and date; a `go install ...@vX` build has only its module version.
func versionString() string {
	v, c, d := build.Version, build.Commit, build.Date
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("%s (commit %s, built %s)", v, c, d)
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "switcher",
		Short:         "Assume AWS roles from ~/.aws/config: picker, exports, credential_process, dashboard",
		Version:       versionString(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
	}
	root.RunE = a.runUI
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "config file (default $AWS_CONFIG_FILE or ~/.aws/config)")
	pf.StringVar(&a.credentialsFile, "credentials", "", "credentials file (default $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)")
	pf.BoolVar(&a.debug, "debug", false, "explain what switcher does on stderr (never prints a secret)")
	pf.StringVar(&a.mfaCode, "mfa-code", "", "MFA code (6 digits) instead of a prompt")
	pf.StringVar(&a.duration, "duration", "", "session duration for the final role, e.g. 1h or 3600")
	pf.StringVar(&a.region, "region", "", "AWS region (default from the profile chain, $AWS_REGION, $AWS_DEFAULT_REGION)")
	pf.StringVar(&a.endpointURL, "endpoint-url", "", "STS endpoint (default $AWS_ENDPOINT_URL_STS, $AWS_ENDPOINT_URL, the profile's endpoint_url)")
	pf.BoolVar(&a.noCache, "no-cache", false, "neither read nor write cached sessions")

	root.AddCommand(a.subcommands()...)
	wrapArgs(root) // the root and every subcommand: argument mistakes exit 2
	return root
}

// subcommands lists every command; each lives in its own cmd_*.go file.
func (a *app) subcommands() []*cobra.Command {
	return []*cobra.Command{
		// Add one line per command, e.g. a.listCmd(),
		a.initCmd(),
		a.exportCmd(),
		a.credentialProcessCmd(),
		a.writeCmd(),
		a.execCmd(),
		a.whoamiCmd(),
		a.statusCmd(),
		a.cleanCmd(),
		a.listCmd(),
		a.planCmd(),
		a.doctorCmd(),
		a.demoCmd(),
		a.consoleCmd(),
	}
}

// wrapArgs turns cobra's argument-count errors into usage errors (exit 2).
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

// homeDir is the user's home from the injected environment.
func (a *app) homeDir() (string, error) {
	return homeFromEnv(runtime.GOOS, a.getenv)
}

// homeFromEnv is HOME, or on Windows USERPROFILE first, as the AWS CLI and
// SDKs read it (under Git Bash HOME can be a /c/Users/... path).
func homeFromEnv(goos string, getenv func(string) string) (string, error) {
	keys := []string{"HOME", "USERPROFILE"}
	if goos == "windows" {
		keys = []string{"USERPROFILE", "HOME"}
	}
	for _, k := range keys {
		if h := getenv(k); h != "" {
			return h, nil
		}
	}
	return "", fmt.Errorf("cannot find the home directory: set %s", keys[0])
}

// configPath is --config, $AWS_CONFIG_FILE or ~/.aws/config.
func (a *app) configPath() (string, error) {
	return a.awsPath(a.configFile, "AWS_CONFIG_FILE", "config")
}

// credentialsPath is --credentials, $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials.
func (a *app) credentialsPath() (string, error) {
	return a.awsPath(a.credentialsFile, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

func (a *app) awsPath(flag, env, name string) (string, error) {
	p := flag
	if p == "" {
		p = a.getenv(env)
	}
	if p == "" {
		h, err := a.homeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(h, ".aws", name), nil
	}
	return expandHome(p, a.homeDir), nil
}

func expandHome(p string, home func() (string, error)) string {
	if p == "~" || len(p) > 1 && p[0] == '~' && (p[1] == '/' || p[1] == filepath.Separator) {
		if h, err := home(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

// debugf prints a line for --debug. Callers pass no secrets.
func (a *app) debugf(format string, args ...any) {
	if a.debug {
		fmt.Fprintf(a.stderr, "debug: "+format+"\n", args...)
	}
}
