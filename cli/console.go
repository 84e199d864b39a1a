package cli

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// ConsoleOptions are console's arguments, flags and effects.
type ConsoleOptions struct {
	IO          IOStreams
	Assume      assumeFunc
	Open        func(ctx context.Context, url string) error
	Client      *http.Client
	Profile     string
	Print       bool
	Destination string
	Federation  string // "": the endpoint of the session region's partition
}

// NewCmdConsole is `switcher console PROFILE [--print]`.
func NewCmdConsole(f *Factory, runF func(context.Context, *ConsoleOptions) error) *cobra.Command {
	opts := &ConsoleOptions{IO: f.IO, Assume: f.Assume, Open: f.OpenURL, Client: &http.Client{Timeout: 15 * time.Second}}
	cmd := &cobra.Command{
		Use:   "console PROFILE [--print]",
		Short: "Open the AWS console signed in as a profile's role session",
		Long: `Assume PROFILE (reusing a cached session while it lasts), trade the session
for a sign-in token at the AWS federation endpoint (getSigninToken), and open
the console login URL in the browser. --print prints the URL on stdout instead.

The URL signs anyone who opens it in for 15 minutes: do not paste it anywhere
public. Only role sessions can sign in; long-term keys cannot.`,
		Example: `  switcher console prod
  switcher console prod --print | pbcopy
  switcher console prod --destination https://console.aws.amazon.com/s3/`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return consoleRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Print, "print", false, "print the sign-in URL on stdout instead of opening a browser")
	fl.StringVar(&opts.Destination, "destination", "", "console page to land on (default: the console home of the session's partition)")
	fl.StringVar(&opts.Federation, "federation-endpoint", "", "federation endpoint (default https://signin.aws.amazon.com/federation, or the partition's)")
	return cmd
}

// consoleRun assumes the profile and opens (or prints) its console URL.
func consoleRun(ctx context.Context, opts *ConsoleOptions) error {
	s, err := opts.Assume(ctx, opts.Profile, 0)
	if err != nil {
		return err
	}
	endpoint, dest := creds.ConsoleEndpoints(s.Region)
	if opts.Federation != "" {
		endpoint = opts.Federation
	}
	if opts.Destination != "" {
		dest = opts.Destination
	}
	u, err := creds.SessionConsoleURL(ctx, opts.Client, endpoint, s, dest, "switcher")
	if err != nil {
		return fmt.Errorf("console sign-in for %s: %w", opts.Profile, err)
	}
	if opts.Print {
		_, err := fmt.Fprintln(opts.IO.Out, u)
		return err
	}
	if err := opts.Open(ctx, u); err != nil {
		return fmt.Errorf("opening a browser: %w; use --print to get the URL", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: opened the console for %s in your browser\n", opts.Profile)
	return nil
}

// openBrowser returns the opener for goos: xdg-open, open, or rundll32.
// The URL is an argument, never shell text. The opener is not killed when
// ctx ends: the browser outlives switcher.
func openBrowser(goos string) func(context.Context, string) error {
	return func(ctx context.Context, u string) error {
		ctx = context.WithoutCancel(ctx)
		var c *exec.Cmd
		switch goos {
		case "darwin":
			c = exec.CommandContext(ctx, "open", u)
		case "windows":
			c = exec.CommandContext(ctx, "rundll32", "url.dll,FileProtocolHandler", u)
		default:
			c = exec.CommandContext(ctx, "xdg-open", u)
		}
		if err := c.Start(); err != nil {
			return err
		}
		go func() { _ = c.Wait() }() // reap it
		return nil
	}
}
