package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// Exit codes of exec when the command cannot run, as env(1) and shells use.
const (
	exitCannotRun = 126
	exitNotFound  = 127
)

// ExecOptions are exec's arguments and effects.
type ExecOptions struct {
	IO      IOStreams
	Environ func() []string
	GOOS    string
	Assume  assumeFunc
	Profile string
	Command []string // CMD and its arguments
	// Server gives CMD a credential server instead of the keys (--server).
	Server bool
	Serve  func(ctx context.Context, profile string) (*credServer, error)
}

// NewCmdExec is `switcher exec PROFILE -- CMD [ARGS...]`.
func NewCmdExec(f *Factory, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{IO: f.IO, Environ: f.Environ, GOOS: f.GOOS, Assume: f.Assume,
		Serve: func(ctx context.Context, profile string) (*credServer, error) {
			return f.newCredServer(ctx, profile, "127.0.0.1:0")
		}}
	cmd := &cobra.Command{
		Use:   "exec [--server] PROFILE -- CMD [ARGS...]",
		Short: "Run a command with a profile's credentials in its environment",
		Long: `Assume PROFILE and run CMD (found on PATH, run without a shell) with the
credentials in its environment: the variables switcher export sets, with
AWS_PROFILE and AWS_DEFAULT_PROFILE removed. stdin, stdout and stderr are the
command's; signals sent to switcher are passed on to it (Ctrl-C on the
terminal reaches it directly, once); switcher exits with its exit code
(128+N when signal N ended it).

With --server, CMD gets no keys at all: switcher serves PROFILE's session
on loopback for as long as CMD runs (see switcher serve) and gives CMD only
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN, so
its SDK fetches, and refreshes, credentials by itself: for runs longer than
a session (terraform apply, test suites).`,
		Example: `  switcher exec prod -- aws s3 ls
  switcher exec prod -- terraform plan
  switcher exec --server prod -- terraform apply`,
		Args: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash != 1 || len(args) < 2 {
				return errors.New("want PROFILE -- CMD [ARGS...] (the -- keeps CMD's flags from being read as switcher's)")
			}
			return nil
		},
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile, opts.Command = args[0], args[1:]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return execRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Server, "server", false, "serve the credentials to CMD on loopback (refreshed) instead of putting keys in its environment")
	return cmd
}

func execRun(ctx context.Context, opts *ExecOptions) error {
	// Find CMD first: a typo must not cost an MFA code or an STS call.
	path, err := lookChild(opts.IO.ErrOut, opts.Command[0])
	if err != nil {
		return err
	}
	if opts.Server {
		srv, err := opts.Serve(ctx, opts.Profile)
		if err != nil {
			return err
		}
		defer srv.stop()
		return runChild(opts.IO, path, opts.Command[0], opts.Command[1:], childEnv(opts.Environ(), creds.ServerVars(srv.env), opts.GOOS))
	}
	s, err := opts.Assume(ctx, opts.Profile, 0)
	if err != nil {
		return err
	}
	return runChild(opts.IO, path, opts.Command[0], opts.Command[1:], childEnv(opts.Environ(), creds.ExportVars(s), opts.GOOS))
}

// lookChild finds name on PATH, or says why it cannot run (exit 127 when
// it is not found, 126 otherwise, as shells do).
func lookChild(stderr io.Writer, name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		fmt.Fprintf(stderr, "switcher: exec: %v\n", err)
		if errors.Is(err, exec.ErrNotFound) {
			return "", &exitError{exitNotFound}
		}
		return "", &exitError{exitCannotRun}
	}
	return path, nil
}

// runChild runs the program at path (found for name) without a shell,
// wired to switcher's own stdin, stdout and stderr, passing signals on, and
// returns its exit status as an *exitError.
func runChild(streams IOStreams, path, name string, args, env []string) error {
	// No CommandContext: cancelling would SIGKILL the child, while exec
	// forwards SIGTERM/SIGHUP and lets the child decide how to stop.
	child := exec.Command(path, args...) //nolint:noctx // signals are forwarded, see above

	child.Args[0] = name
	child.Env = env
	child.Stdin, child.Stdout, child.Stderr = streams.In, streams.Out, streams.ErrOut

	// Subscribe before starting, so that no signal is lost in between.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := child.Start(); err != nil {
		fmt.Fprintf(streams.ErrOut, "switcher: exec: %v\n", err)
		return &exitError{exitCannotRun}
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case sig := <-sigs:
				if forwardSignal(sig, keyboardSignalsReachChild) {
					_ = child.Process.Signal(sig)
				}
			case <-done:
				return
			}
		}
	}()
	err := child.Wait()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("exec %s: %w", name, err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return &exitError{128 + int(ws.Signal())}
	}
	return &exitError{ee.ExitCode()}
}

// forwardSignal decides whether a signal switcher got is passed on to the
// child. SIGTERM and SIGHUP are, since they are sent to switcher alone.
// SIGINT and SIGQUIT are not when they come from the terminal, which sends
// them to the child too: a second interrupt makes some programs (terraform)
// abort at once instead of stopping cleanly.
func forwardSignal(sig os.Signal, fromTerminal func() bool) bool {
	switch sig {
	case os.Interrupt, syscall.SIGQUIT:
		return !fromTerminal()
	}
	return true
}

// childEnv is environ with the variables vars names replaced by their
// values (removed where nil).
func childEnv(environ []string, vars map[string]*string, goos string) []string {
	norm := func(k string) string { return k }
	if goos == "windows" {
		norm = strings.ToUpper // Windows variable names ignore case
	}
	touched := make(map[string]bool, len(vars))
	for k := range vars {
		touched[norm(k)] = true
	}
	out := make([]string, 0, len(environ)+len(vars))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !touched[norm(k)] {
			out = append(out, kv)
		}
	}
	names := make([]string, 0, len(vars))
	for k, v := range vars {
		if v != nil {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		out = append(out, k+"="+*vars[k])
	}
	return out
}
