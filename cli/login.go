package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// LoginOptions are login's arguments, flags and effects.
type LoginOptions struct {
	IO         IOStreams
	Profile    string
	Session    string // --sso-session
	DeviceCode bool
	NoBrowser  bool
	Force      bool
	Timeout    time.Duration
	Login      func(ctx context.Context, opts *LoginOptions) (*creds.SSOLogin, error)
}

// NewCmdLogin is `switcher login [--sso-session NAME | PROFILE]`.
func NewCmdLogin(f *Factory, runF func(context.Context, *LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IO, Login: f.ssoLogin}
	cmd := &cobra.Command{
		Use:   "login [PROFILE]",
		Short: "Log in to IAM Identity Center (SSO) for an sso-session or a profile",
		Long: `Log in to IAM Identity Center, and cache the token where the AWS CLI does
(~/.aws/sso/cache), so that switcher, the AWS CLI and the SDKs share one
login. The login is for --sso-session NAME, else for PROFILE's SSO source,
else for the config's only [sso-session].

switcher registers with IAM Identity Center and opens the sign-in page in
the browser (the URL is printed too, for a machine that cannot open one);
the browser comes back to switcher on 127.0.0.1 (authorization code with
PKCE). --device-code uses the device flow instead: open the printed URL on
any device and check the code. A token that is still valid is kept, and an
expired one is refreshed with its refresh token when possible (no browser);
--force logs in anyway.`,
		Example: `  switcher login --sso-session corp
  switcher login dev-admin
  switcher login --sso-session corp --device-code   # on a machine with no browser`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				opts.Profile = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Session, "sso-session", "", "the [sso-session NAME] to log in to")
	fl.BoolVar(&opts.DeviceCode, "device-code", false, "use the device code flow (open the URL anywhere, check the code)")
	fl.BoolVar(&opts.NoBrowser, "no-browser", false, "do not open a browser: print the URL")
	fl.BoolVar(&opts.Force, "force", false, "log in even when the cached token is still valid")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long to wait for the sign-in")
	_ = cmd.RegisterFlagCompletionFunc("sso-session", f.completeSSOSessions)
	return cmd
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	if opts.Profile != "" && opts.Session != "" {
		return usagef("give PROFILE or --sso-session, not both")
	}
	l, err := opts.Login(ctx, opts)
	if err != nil {
		return err
	}
	return runLogin(ctx, l, opts.Force, opts.IO.ErrOut)
}

// runLogin keeps a valid token, refreshes an expired one, else logs in,
// and says what it did on w.
func runLogin(ctx context.Context, l *creds.SSOLogin, force bool, w io.Writer) error {
	what := "sso_start_url " + l.StartURL
	if l.Session != "" {
		what = fmt.Sprintf("sso_session %s (%s)", l.Session, l.StartURL)
	}
	if tok, ok := l.Cached(); ok && !force {
		fmt.Fprintf(w, "switcher: already logged in to %s until %s (--force logs in again)\n", what, tok.Expires().Local().Format("15:04 MST"))
		return nil
	}
	if !force {
		if tok, ok, err := l.Refresh(ctx); ok && err == nil {
			fmt.Fprintf(w, "switcher: refreshed the login to %s: valid until %s\n", what, tok.Expires().Local().Format("15:04 MST"))
			return nil
		}
	}
	// The spinner starts once the URL is shown, so the two never share a
	// line (Run calls Show before it waits).
	stop := func() {}
	show := l.Show
	l.Show = func(u, code string) {
		if show != nil {
			show(u, code)
		}
		stop = waitSpinner(w, fmt.Sprintf("waiting for the sign-in (%s; Ctrl-C cancels)", l.Timeout))
	}
	tok, err := l.Run(ctx)
	stop()
	if err != nil {
		return fmt.Errorf("logging in to %s: %w", what, err)
	}
	fmt.Fprintf(w, "switcher: logged in to %s until %s; the token is in %s\n", what, tok.Expires().Local().Format("15:04 MST"), l.Path())
	return nil
}

// ssoLogin builds the login the options name, from the config.
func (f *Factory) ssoLogin(_ context.Context, opts *LoginOptions) (*creds.SSOLogin, error) {
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	l, err := loginFor(cfg, opts.Session, opts.Profile)
	if err != nil {
		return nil, err
	}
	home, err := f.HomeDir()
	if err != nil {
		return nil, err
	}
	l.CacheDir = filepath.Join(home, ".aws", "sso", "cache")
	l.Now, l.HTTPClient, l.Timeout, l.DeviceCode = f.Now, creds.NewHTTPClient(), opts.Timeout, opts.DeviceCode
	for _, k := range []string{"AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"} {
		if v := f.Getenv(k); v != "" {
			l.Endpoint = v
			break
		}
	}
	if !opts.NoBrowser {
		l.Open = f.OpenURL
	}
	errOut := f.IO.ErrOut
	l.Show = func(u, code string) {
		if code != "" {
			fmt.Fprintf(errOut, "switcher: open %s\n          and check that it shows the code %s\n", u, code)
			return
		}
		fmt.Fprintf(errOut, "switcher: sign in at %s\n", u)
	}
	return l, nil
}

// loginFor finds the login of an sso-session, a profile, or the config's
// only sso-session.
func loginFor(cfg *profiles.Config, session, profile string) (*creds.SSOLogin, error) {
	switch {
	case session != "":
		return sessionLogin(cfg, session)
	case profile != "":
		return profileLogin(cfg, profile)
	}
	names := cfg.SSOSessionNames()
	switch len(names) {
	case 0:
		return nil, usagef("the config has no [sso-session]: name a profile, or add [sso-session NAME] with sso_start_url and sso_region")
	case 1:
		return sessionLogin(cfg, names[0])
	}
	return nil, usagef("the config has %d sso-sessions (%s): choose one with --sso-session", len(names), strings.Join(names, ", "))
}

func sessionLogin(cfg *profiles.Config, name string) (*creds.SSOLogin, error) {
	sec, ok := cfg.SSOSession(name)
	if !ok {
		return nil, fmt.Errorf("no [sso-session %s] in %s (sessions: %s)", name, cfg.ConfigFile, strings.Join(cfg.SSOSessionNames(), ", "))
	}
	l := &creds.SSOLogin{Session: name, StartURL: sec.Keys[profiles.KeySSOStartURL].Value, Region: sec.Keys[profiles.KeySSORegion].Value}
	if v := sec.Keys["sso_registration_scopes"].Value; v != "" {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				l.Scopes = append(l.Scopes, s)
			}
		}
	}
	if l.StartURL == "" || l.Region == "" {
		return nil, fmt.Errorf("[sso-session %s] (%s) needs sso_start_url and sso_region", name, sec.Pos)
	}
	return l, nil
}

// profileLogin is the login of a profile's SSO source (the profile itself,
// or the end of its chain).
func profileLogin(cfg *profiles.Config, name string) (*creds.SSOLogin, error) {
	ch, err := cfg.Resolve(name)
	if err != nil {
		return nil, err
	}
	if ch.Source.Kind != profiles.SourceSSO {
		return nil, fmt.Errorf("profile %s gets its credentials from %s, not from IAM Identity Center: there is nothing to log in to", name, ch.Source.Kind)
	}
	p, _ := cfg.Profile(ch.Source.Profile)
	if s := p.Value(profiles.KeySSOSession); s != "" {
		return sessionLogin(cfg, s)
	}
	l := &creds.SSOLogin{StartURL: p.Value(profiles.KeySSOStartURL), Region: p.Value(profiles.KeySSORegion)}
	if l.StartURL == "" || l.Region == "" {
		return nil, fmt.Errorf("profile %s (%s) needs sso_start_url and sso_region", p.Name, p.Pos)
	}
	return l, nil
}

// completeSSOSessions completes --sso-session.
func (f *Factory) completeSSOSessions(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return cfg.SSOSessionNames(), cobra.ShellCompDirectiveNoFileComp
}

// waitSpinner draws a spinner and msg on w while the caller waits, when w
// is a terminal; it returns what stops it.
func waitSpinner(w io.Writer, msg string) (stop func()) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(f.Fd()) {
		fmt.Fprintf(w, "switcher: %s\n", msg)
		return func() {}
	}
	frames := spinner.Dot.Frames
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(spinner.Dot.FPS)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(w, "\r%s %s", frames[i%len(frames)], msg)
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[2K")
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// offerLogin runs the login an SSOLoginError calls for, after asking on
// the terminal; ok is false when there is no terminal or the person says
// no (the caller then fails with err as it was).
func (f *Factory) offerLogin(ctx context.Context, err error) (ok bool) {
	var le *creds.SSOLoginError
	if !errors.As(err, &le) {
		return false
	}
	in, out, terr := f.OpenTTY()
	if terr != nil {
		return false
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	fmt.Fprintf(out, "switcher: %v\nLog in now? [Y/n] ", err)
	answer := make([]byte, 16)
	n, _ := in.Read(answer)
	if a := strings.TrimSpace(strings.ToLower(string(answer[:n]))); a != "" && a != "y" && a != "yes" {
		return false
	}
	opts := &LoginOptions{Session: le.Session, Timeout: 5 * time.Minute}
	if le.Session == "" {
		opts.Profile = le.Profile
	}
	l, lerr := f.ssoLogin(ctx, opts)
	if lerr == nil {
		lerr = runLogin(ctx, l, false, out)
	}
	if lerr != nil {
		fmt.Fprintf(out, "switcher: %v\n", lerr)
		return false
	}
	return true
}
