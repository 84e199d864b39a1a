package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// ServeOptions are serve's arguments, flags and effects.
type ServeOptions struct {
	IO      IOStreams
	Getenv  func(string) string
	GOOS    string
	Profile string
	Addr    string // --addr
	Port    int    // --port
	Format  string
	Server  func() (*credServer, error)
}

// NewCmdServe is `switcher serve PROFILE`.
func NewCmdServe(f *Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IO, Getenv: f.Getenv, GOOS: f.GOOS}
	cmd := &cobra.Command{
		Use:   "serve PROFILE [--port N]",
		Short: "Serve a profile's credentials on loopback to SDKs and the AWS CLI, refreshing them",
		Long: `Serve PROFILE's session over the container credentials protocol that every AWS
SDK and the AWS CLI read (AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN), on 127.0.0.1, until interrupted. The two
variables are printed on stdout as export statements (--format as for
export; keys and AWS_PROFILE are unset so the SDKs ask the server), then
stdout is closed, so eval "$(switcher serve prod &)" sets them and returns.

The server refreshes the session in the background before it has 20
minutes left, reusing the cached MFA session (no new code while it lasts),
and never hands out one with 15 minutes or less left (the SDKs' refresh
margin). When the MFA session itself ends it asks for a code on the
terminal if serve runs in its foreground, else runs mfa_process, else
answers with an error the SDKs report and says on stderr what to run.

One server serves one profile: run serve once per profile (each gets its
own port and token). Every request needs the token (a random 32 bytes) and a
Host header of loopback; a wrong one gets 403.`,
		Example: `  eval "$(switcher serve prod &)"     # then every SDK in this shell uses prod
  switcher serve prod --port 9911 --format fish | source
  switcher exec --server prod -- terraform apply`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: f.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			opts.Server = func() (*credServer, error) {
				return f.newCredServer(cmd.Context(), opts.Profile, serveAddr(opts.Addr, opts.Port))
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Port, "port", 0, "port on 127.0.0.1 (default: a free one)")
	fl.StringVar(&opts.Addr, "addr", "", "HOST:PORT to listen on; only loopback is accepted (default 127.0.0.1:--port)")
	fl.StringVar(&opts.Format, "format", "", "sh, fish, powershell, cmd, dotenv or json (default from $SHELL)")
	return cmd
}

func serveAddr(addr string, port int) string {
	if addr != "" {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	f, err := exportFormat(opts.Format, opts.Getenv, opts.GOOS)
	if err != nil {
		return err
	}
	srv, err := opts.Server()
	if err != nil {
		return err
	}
	defer srv.stop()
	if err := creds.WriteServerExports(opts.IO.Out, f, srv.env); err != nil {
		return err
	}
	// Closed, so that eval "$(switcher serve p &)" returns while it serves.
	if c, ok := opts.IO.Out.(io.Closer); ok {
		_ = c.Close()
	}
	fmt.Fprintf(opts.IO.ErrOut, "switcher: serving %s on %s until interrupted (refreshes ahead of expiry)\n", srv.describe, srv.env.URI)
	return srv.wait(ctx)
}

// credServer is a running credential server of one profile.
type credServer struct {
	env      creds.ServerEnv
	describe string
	http     *http.Server
	done     chan error
	cancel   context.CancelFunc
}

// newCredServer checks the profile can be served, listens on addr
// (loopback only), fetches the first session, and serves.
func (f *Factory) newCredServer(ctx context.Context, profile, addr string) (*credServer, error) {
	cfg, err := f.LoadConfig()
	if err != nil {
		return nil, err
	}
	opt, err := f.AssumeOptions()
	if err != nil {
		return nil, err
	}
	if err := servable(cfg, profile, opt); err != nil {
		return nil, err
	}
	eng, err := f.Engine(cfg)
	if err != nil {
		return nil, err
	}
	// A server in the background must not read the terminal (SIGTTIN).
	eng.Prompt = creds.TTYPrompter{ForegroundOnly: true}
	token, err := creds.NewServerToken()
	if err != nil {
		return nil, err
	}
	srv := &creds.Server{
		Now: f.Now, Token: token,
		Source: func(ctx context.Context, min time.Duration) (*creds.Session, error) {
			o := opt
			o.MinRemaining = min
			return eng.Assume(ctx, profile, o)
		},
		Logf: func(format string, args ...any) {
			f.errMu.Lock()
			defer f.errMu.Unlock()
			fmt.Fprintf(f.IO.ErrOut, "switcher serve %s: "+format+"\n", append([]any{profile}, args...)...)
		},
	}
	first, err := srv.Prime(ctx)
	if err != nil {
		return nil, err
	}
	ln, err := creds.ListenLoopback(ctx, addr)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	cs := &credServer{
		env:      creds.ServerEnv{URI: "http://" + ln.Addr().String() + "/", Token: token, Region: first.Region, Profile: profile},
		describe: describeSession(first, f.Now()),
		http:     srv.NewHTTPServer(),
		done:     make(chan error, 1),
		cancel:   cancel,
	}
	go srv.Run(runCtx)
	go func() { cs.done <- cs.http.Serve(ln) }()
	return cs, nil
}

// servable refuses what cannot be served: a profile that does not plan,
// and sessions too short to hand out with the SDKs' refresh margin.
func servable(cfg *profiles.Config, profile string, opt creds.Options) error {
	pl, err := cfg.Plan(profile, opt.PlanOptions())
	if err != nil {
		return err
	}
	if n := len(pl.Steps); n > 0 {
		last := pl.Steps[n-1]
		granted := time.Duration(last.GrantedSeconds) * time.Second
		if granted > 0 && granted <= creds.ServerRefreshAhead {
			return fmt.Errorf("profile %s: its sessions last %s, too short to serve: the server hands out only sessions with more than %s left and refreshes at %s left; ask for at least 30 minutes (duration_seconds, --duration)",
				profile, granted, creds.ServerMinRemaining, creds.ServerRefreshAhead)
		}
	}
	return nil
}

// wait serves until ctx ends (Ctrl-C) or the listener fails.
func (cs *credServer) wait(ctx context.Context) error {
	select {
	case err := <-cs.done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("credential server: %w", err)
	case <-ctx.Done():
		return nil
	}
}

func (cs *credServer) stop() {
	cs.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = cs.http.Shutdown(ctx)
}
