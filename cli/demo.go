package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/creds/stssim"
	"github.com/switcher-cli/switcher/demo"
	"github.com/switcher-cli/switcher/profiles"
	"github.com/switcher-cli/switcher/ui"
)

// DemoOptions are the demo's effects: the picker's, plus the clock the
// simulator runs on.
type DemoOptions struct {
	Picker PickerOptions
	Getenv func(string) string
	Debugf func(string, ...any)
}

// NewCmdDemo is `switcher demo`.
func NewCmdDemo(f *Factory, runF func(context.Context, *DemoOptions) error) *cobra.Command {
	opts := &DemoOptions{
		Picker: PickerOptions{IO: f.IO, Getenv: f.Getenv, Environ: f.Environ, Now: f.Now, GOOS: f.GOOS, OpenTTY: f.OpenTTY, Debugf: f.Debugf},
		Getenv: f.Getenv, Debugf: f.debugFunc(),
	}
	return &cobra.Command{
		Use:   "demo",
		Short: "Try the picker and dashboard on a sample config against a simulated STS (no AWS account)",
		Long: `Run the interactive picker, MFA prompt and dashboard on a bundled sample
config (one user, five roles in four accounts: a plain role, a chained role
asking for 2 hours, an MFA role whose current code is shown on the top line,
a role whose trust policy refuses you, and a profile with a typo) against an
STS simulator listening on 127.0.0.1. Nothing leaves the machine; the config,
credentials file and cache live in a temporary directory removed on exit.`,
		Example: `  switcher demo
  eval "$(switcher demo)"   # press e: the fake session's exports`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return demoRun(cmd.Context(), opts)
		},
	}
}

// demoRun serves the simulator on a loopback port, writes the sample files
// into a temporary directory and runs the TUI on them.
func demoRun(ctx context.Context, opts *DemoOptions) error {
	now := opts.Picker.Now
	sim := stssim.New(stssim.WithClock(now))
	if err := demo.Seed(sim); err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: listening on 127.0.0.1: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	dir, err := os.MkdirTemp("", "switcher-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)
	b, err := demoBackend(opts, dir, base, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	p := opts.Picker
	p.Backend = func() (ui.Backend, error) { return b, nil }
	p.History = creds.UsageHistory{Path: filepath.Join(dir, "history.json"), Now: now}
	p.Banner = func(time.Time) string {
		code, ok := sim.CurrentCode(demo.MFASerial)
		if !ok {
			code = "unknown"
		}
		return "DEMO  MFA code for " + demo.MFAProfile + ": " + code + "  ·  simulated STS, fake keys"
	}
	return pickerRun(ctx, &p)
}

// demoBackend writes the sample config and credentials into dir and
// returns the UI backend on them, talking to the simulator at base (STS
// and the federation endpoint) with a cache in dir.
func demoBackend(opts *DemoOptions, dir, base string, client *http.Client) (*uiBackend, error) {
	now := opts.Picker.Now
	configPath, credsPath := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	for path, data := range map[string][]byte{configPath: demo.Config(), credsPath: demo.Credentials()} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	cfg, err := profiles.Load(configPath, demo.Config(), credsPath, demo.Credentials())
	if err != nil {
		return nil, fmt.Errorf("demo: the bundled config: %w", err)
	}
	eng := &creds.Engine{
		Config: cfg,
		Store:  &creds.Store{Dir: filepath.Join(dir, "cache"), Now: now},
		Now:    now,
		// Only the user name (for the session name) comes from the real
		// environment: no AWS_* variable can point the demo elsewhere.
		Getenv: func(k string) string {
			if k == "USER" || k == "USERNAME" {
				return opts.Getenv(k)
			}
			return ""
		},
		EndpointURL: base,
		HTTPClient:  client,
		Debugf:      opts.Debugf,
	}
	format, err := exportFormat("", opts.Getenv, opts.Picker.GOOS)
	if err != nil {
		return nil, err
	}
	st := &uiState{cfg: cfg, eng: eng}
	return &uiBackend{
		quickRows: func() (rowsPage, error) {
			rows := cfg.Rows()
			return rowsPage{rows: rows, total: len(rows), cfg: cfg}, nil
		},
		state: func(...string) (*uiState, error) { return st, nil },
		cachedLeft: func(rows []profiles.Row) map[string]time.Duration {
			out := map[string]time.Duration{}
			for _, r := range rows {
				if left, ok := eng.CachedTimeLeft(r.Name); ok && r.Error == "" {
					out[r.Name] = left
				}
			}
			return out
		},
		format: format, credsPath: credsPath, now: now,
		federation: func(string) (string, string) {
			return base + stssim.FederationPath, base + stssim.ConsolePath
		},
		consoleHTTP: client,
	}, nil
}
