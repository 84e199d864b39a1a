package cli

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
)

// consoleOptions are the console command's flags and its browser opener.
type consoleOptions struct {
	print       bool
	destination string
	federation  string // "" : the endpoint of the session region's partition
	open        func(ctx context.Context, url string) error
	client      *http.Client
}

func (a *app) consoleCmd() *cobra.Command {
	opt := consoleOptions{open: openBrowser(runtime.GOOS), client: &http.Client{Timeout: 15 * time.Second}}
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
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.runConsole(cmd.Context(), args[0], opt)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opt.print, "print", false, "print the sign-in URL on stdout instead of opening a browser")
	f.StringVar(&opt.destination, "destination", "", "console page to land on (default: the console home of the session's partition)")
	f.StringVar(&opt.federation, "federation-endpoint", "", "federation endpoint (default https://signin.aws.amazon.com/federation, or the partition's)")
	return cmd
}

// runConsole assumes profile and opens (or prints) its console URL.
func (a *app) runConsole(ctx context.Context, profile string, opt consoleOptions) error {
	s, err := a.assume(ctx, profile, 0)
	if err != nil {
		return err
	}
	endpoint, dest := creds.ConsoleEndpoints(s.Region)
	if opt.federation != "" {
		endpoint = opt.federation
	}
	if opt.destination != "" {
		dest = opt.destination
	}
	u, err := creds.ConsoleURL(ctx, opt.client, endpoint, s.Credentials, dest, "switcher")
	if err != nil {
		return fmt.Errorf("console sign-in for %s: %w", profile, err)
	}
	if opt.print {
		_, err := fmt.Fprintln(a.stdout, u)
		return err
	}
	if err := opt.open(ctx, u); err != nil {
		return fmt.Errorf("opening a browser: %w; use --print to get the URL", err)
	}
	fmt.Fprintf(a.stderr, "switcher: opened the console for %s in your browser\n", profile)
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
