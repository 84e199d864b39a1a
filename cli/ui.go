package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
	"github.com/switcher-cli/switcher/ui"
)

// PickerOptions are bare switcher's effects: the terminal, the backend
// over the config and the engine, and where the usage history lives.
type PickerOptions struct {
	IO      IOStreams
	Getenv  func(string) string
	Now     func() time.Time
	GOOS    string
	OpenTTY func() (in, out *os.File, err error)
	Debugf  func(string, ...any)
	Backend func() (ui.Backend, error)
	// Banner, when set, is shown on top of every screen (the demo's code).
	Banner func(time.Time) string
	// History is the usage history; nil: the user's state directory.
	History ui.HistoryStore
}

// NewCmdPicker is bare `switcher`: the picker, MFA prompt and dashboard
// drawn on /dev/tty, so that stdout carries only what `e` (exports) or `p`
// (a console URL) prints after the terminal is restored:
//
//	eval "$(switcher)"
func NewCmdPicker(f *Factory, runF func(context.Context, *PickerOptions) error) *cobra.Command {
	opts := &PickerOptions{IO: f.IO, Getenv: f.Getenv, Now: f.Now, GOOS: f.GOOS, OpenTTY: f.OpenTTY, Debugf: f.Debugf,
		Backend: func() (ui.Backend, error) {
			cfg, err := f.LoadConfig()
			if err != nil {
				return nil, err
			}
			return f.uiBackend(cfg)
		}}
	return &cobra.Command{
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return pickerRun(cmd.Context(), opts)
		},
	}
}

// errNoTTY says there is no terminal to draw on.
var errNoTTY = errors.New("no terminal to draw the picker on")

// pickerRun runs the model on the terminal and acts on its result.
func pickerRun(ctx context.Context, opts *PickerOptions) error {
	b, err := opts.Backend()
	if err != nil {
		return err
	}
	in, out, err := opts.OpenTTY()
	if err != nil {
		return &usageError{fmt.Errorf("%w (%w): run it in a terminal, or use `switcher export PROFILE` in scripts", errNoTTY, err)}
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	hist := opts.History
	if hist == nil {
		if dir, err := userStateDir(opts.GOOS, opts.Getenv); err == nil {
			hist = creds.UsageHistory{Path: filepath.Join(dir, "switcher", "history.json"), Now: opts.Now}
		} else {
			opts.Debugf("ui: no history: %v", err)
		}
	}
	m := ui.New(ui.Options{
		Backend: b,
		Context: ctx,
		Now:     opts.Now,
		NoColor: opts.Getenv("NO_COLOR") != "" || opts.Getenv("TERM") == "dumb",
		History: hist,
		Banner:  opts.Banner,
	})
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithContext(ctx))
	final, err := p.Run()
	if err != nil {
		if errors.Is(err, tea.ErrInterrupted) || errors.Is(err, tea.ErrProgramKilled) || ctx.Err() != nil {
			return errCancelled
		}
		return fmt.Errorf("terminal UI: %w", err)
	}
	fm, ok := final.(ui.Model)
	if !ok {
		return fmt.Errorf("terminal UI: unexpected model %T", final)
	}
	res := fm.Result()
	if res.Stdout != "" {
		if _, err := io.WriteString(opts.IO.Out, res.Stdout); err != nil {
			return err
		}
	}
	if res.Cancelled {
		return errCancelled
	}
	return nil
}

// uiBackend implements ui.Backend with the config, the engine and the
// writers; the demo changes the console endpoints.
type uiBackend struct {
	cfg       *profiles.Config
	eng       *creds.Engine
	opt       creds.Options
	format    creds.Format
	credsPath string
	now       func() time.Time
	// console sign-in: the federation endpoint and destination for a
	// region ("" for the partition's defaults) and the HTTP client.
	federation  func(region string) (endpoint, destination string)
	consoleHTTP *http.Client
}

func (f *Factory) uiBackend(cfg *profiles.Config) (*uiBackend, error) {
	eng, err := f.Engine(cfg)
	if err != nil {
		return nil, err
	}
	// The TUI asks for codes itself; the engine must never read the tty
	// under it (mfa_process still runs in the engine).
	eng.Prompt = nil
	opt, err := f.AssumeOptions()
	if err != nil {
		return nil, err
	}
	format, err := exportFormat("", f.Getenv, f.GOOS)
	if err != nil {
		return nil, err
	}
	path, err := f.CredentialsPath()
	if err != nil {
		return nil, err
	}
	return &uiBackend{
		cfg: cfg, eng: eng, opt: opt, format: format, credsPath: path, now: f.Now,
		federation: creds.ConsoleEndpoints,
	}, nil
}

// Rows lists every profile, role profiles first, with what makes it
// unusable (a plan error, a doctor error, no credentials at all).
func (b *uiBackend) Rows() ([]ui.Row, error) {
	problems := map[string]string{}
	for _, f := range b.cfg.Doctor() {
		if f.Severity == profiles.SeverityError && f.Profile != "" && problems[f.Profile] == "" {
			problems[f.Profile] = fmt.Sprintf("%s (%s)", f.Message, f.Pos)
		}
	}
	now := b.now()
	var rows []ui.Row
	for _, lr := range b.cfg.Rows() {
		r := ui.Row{
			Name: lr.Name, Account: lr.Account, Role: lr.Role, Region: lr.Region,
			MFASerial: lr.MFASerial, IsRole: lr.RoleARN != "",
			WriteName: defaultWriteName(b.cfg, lr.Name),
		}
		switch {
		case lr.Error != "":
			r.Problem = lr.Short
		case problems[lr.Name] != "":
			r.Problem = problems[lr.Name]
		case lr.Source == profiles.SourceNone:
			r.Problem = "no credentials here (only settings such as region)"
		}
		if r.Problem == "" {
			if left, ok := b.eng.CachedTimeLeft(lr.Name); ok {
				r.CachedUntil = now.Add(left)
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// Plan is the profile's plan with --duration applied.
func (b *uiBackend) Plan(profile string) (*profiles.Plan, error) {
	return b.cfg.Plan(profile, profiles.PlanOptions{DurationSeconds: b.opt.DurationSeconds, NoSession: b.opt.NoSession})
}

// NeedsMFA asks the engine whether a code must be typed now.
func (b *uiBackend) NeedsMFA(profile string) (string, bool, error) {
	return b.eng.NeedsMFACode(profile, b.opt)
}

// Assume runs the engine, turning its step events into the UI's.
func (b *uiBackend) Assume(ctx context.Context, req ui.AssumeRequest) (*creds.Session, error) {
	opt := b.opt
	if req.MFACode != "" {
		opt.MFACode = req.MFACode
	}
	opt.ForceRefresh = req.Refresh
	if req.OnStep != nil {
		opt.OnStep = func(ev creds.StepEvent) {
			req.OnStep(ui.StepEvent{Index: ev.Index, Done: ev.Done, Cached: ev.Cached, Err: ev.Err})
		}
	}
	return b.eng.Assume(ctx, req.Profile, opt)
}

// Exports are the statements for the shell in $SHELL's format.
func (b *uiBackend) Exports(s *creds.Session) (string, error) {
	var buf bytes.Buffer
	if err := creds.WriteExports(&buf, b.format, s); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// Write stores s as section name of the credentials file, refusing a name
// a config profile would shadow.
func (b *uiBackend) Write(s *creds.Session, name string) (string, error) {
	if err := checkWriteTarget(b.cfg, s.Profile, name, false); err != nil {
		return "", err
	}
	f := creds.CredentialsFile{Path: b.credsPath, Now: b.now}
	if err := f.WriteSection(name, s.Credentials, s.Region); err != nil {
		return "", err
	}
	return b.credsPath, nil
}

// ConsoleURL signs s in to the console of its partition.
func (b *uiBackend) ConsoleURL(ctx context.Context, s *creds.Session) (string, error) {
	endpoint, dest := b.federation(s.Region)
	return creds.SessionConsoleURL(ctx, b.consoleHTTP, endpoint, s, dest, "switcher")
}
