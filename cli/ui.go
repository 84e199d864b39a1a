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
	"runtime/debug"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
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
	Environ func() []string
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
	opts := &PickerOptions{IO: f.IO, Getenv: f.Getenv, Environ: f.Environ, Now: f.Now, GOOS: f.GOOS, OpenTTY: f.OpenTTY, Debugf: f.Debugf,
		Backend: func() (ui.Backend, error) { return f.uiBackend() }}
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

// colorProfile is the terminal's colour profile from the environment
// alone. Left to itself Bubble Tea detects it, and inside tmux that runs
// `tmux info`, tens of milliseconds before the first frame; the UI uses
// only the 16 basic colours, which every profile but Ascii shows alike.
func colorProfile(noColor bool, environ func() []string) colorprofile.Profile {
	if noColor {
		return colorprofile.Ascii
	}
	var env []string
	if environ != nil {
		env = environ()
	}
	return colorprofile.Env(env)
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
		return &usageError{err: fmt.Errorf("%w (%w): run it in a terminal, or use `switcher export PROFILE` in scripts", errNoTTY, err)}
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
	noColor := opts.Getenv("NO_COLOR") != "" || opts.Getenv("TERM") == "dumb"
	m := ui.New(ui.Options{
		Backend: b,
		Context: ctx,
		Now:     opts.Now,
		NoColor: noColor,
		History: hist,
		Banner:  opts.Banner,
	})
	// 120 frames a second (Bubble Tea's most): a frame waits for the
	// renderer's tick, so this halves what the first one waits.
	p := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithContext(ctx),
		tea.WithColorProfile(colorProfile(noColor, opts.Environ)), tea.WithFPS(120))
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
// writers; the demo changes the console endpoints. The first screen needs
// only the rows (quickRows: the list rows index when the files are
// unchanged, else the config's). What comes after asks for a config
// holding the profiles it is about (state): from the index only those and
// their chains are decoded, so picking at 100,000 profiles does not wait
// for the whole file.
type uiBackend struct {
	quickRows func() (rowsPage, error)
	state     func(names ...string) (*uiState, error)
	// cachedLeft is the time left on the cached sessions of the rows.
	cachedLeft func(rows []profiles.Row) map[string]time.Duration
	format     creds.Format
	credsPath  string
	now        func() time.Time
	// console sign-in: the federation endpoint and destination for a
	// region ("" for the partition's defaults) and the HTTP client.
	federation  func(region string) (endpoint, destination string)
	consoleHTTP *http.Client
	// login is the SSO login of a profile's source; nil: none (the demo).
	login func(ctx context.Context, profile string) (*creds.SSOLogin, error)

	mu   sync.Mutex
	rows []profiles.Row // the last Rows, for Details
}

// uiState is a config (with at least the profiles asked for) and an
// engine on it.
type uiState struct {
	cfg *profiles.Config
	eng *creds.Engine
	opt creds.Options
}

func (f *Factory) uiBackend() (*uiBackend, error) {
	format, err := exportFormat("", f.Getenv, f.GOOS)
	if err != nil {
		return nil, err
	}
	path, err := f.CredentialsPath()
	if err != nil {
		return nil, err
	}
	opt, err := f.AssumeOptions()
	if err != nil {
		return nil, err
	}
	var (
		mu   sync.Mutex
		full *profiles.Config // loaded when the rows index missed
	)
	loaded := func() *profiles.Config {
		mu.Lock()
		defer mu.Unlock()
		return full
	}
	return &uiBackend{
		quickRows: func() (rowsPage, error) {
			page, err := f.rowsPage(f.LoadConfig, firstScreenRows)
			if page.cfg != nil {
				mu.Lock()
				full = page.cfg
				mu.Unlock()
			}
			return page, err
		},
		state: func(names ...string) (*uiState, error) {
			cfg := loaded()
			if cfg == nil {
				var err error
				if cfg, err = f.loadConfigFor(names); err != nil {
					return nil, err
				}
			}
			eng, err := f.Engine(cfg)
			if err != nil {
				return nil, err
			}
			// The TUI asks for codes itself; the engine must never read
			// the tty under it (mfa_process still runs in the engine).
			eng.Prompt = nil
			return &uiState{cfg: cfg, eng: eng, opt: opt}, nil
		},
		cachedLeft: func(rows []profiles.Row) map[string]time.Duration { return f.cachedLeft(rows, loaded()) },
		login: func(ctx context.Context, profile string) (*creds.SSOLogin, error) {
			return f.ssoLogin(ctx, &LoginOptions{Profile: profile, Timeout: 5 * time.Minute})
		},
		format: format, credsPath: path, now: f.Now,
		federation: creds.ConsoleEndpoints,
	}, nil
}

// firstScreenRows is how many rows the picker's first frame decodes, more
// than any terminal shows.
const firstScreenRows = 256

// Rows lists every profile, role profiles first, with what makes it
// unusable: a value STS would reject or a broken chain (what plan and
// doctor report), or no credentials at all. From the index only the
// first screenful is decoded before the first frame; Rest has them all.
func (b *uiBackend) Rows() (ui.RowsPage, error) {
	defer pauseGC()()
	page, err := b.quickRows()
	if err != nil {
		return ui.RowsPage{}, err
	}
	b.setRows(page.rows)
	out := ui.RowsPage{Rows: uiRows(page.rows), Total: page.total}
	if page.rest != nil {
		out.Rest = func() ([]ui.Row, error) {
			defer pauseGC()()
			all, err := page.rest()
			if err != nil {
				return nil, err
			}
			b.setRows(all)
			return uiRows(all), nil
		}
	}
	return out, nil
}

func (b *uiBackend) setRows(rows []profiles.Row) {
	b.mu.Lock()
	b.rows = rows
	b.mu.Unlock()
}

// uiRows are the picker's rows of the list's.
func uiRows(lrs []profiles.Row) []ui.Row {
	rows := make([]ui.Row, len(lrs))
	for i := range lrs {
		lr := &lrs[i]
		r := &rows[i]
		*r = ui.Row{
			Name: lr.Name, Account: lr.Account, Role: lr.Role, Region: lr.Region,
			MFASerial: lr.MFASerial, IsRole: lr.RoleARN != "",
		}
		switch {
		case lr.Error != "":
			r.Problem = lr.Short
		case lr.Source == profiles.SourceNone:
			r.Problem = "no credentials here (only settings such as region)"
		}
	}
	return rows
}

// pauseGC turns the garbage collector off until the returned func is
// called (with a soft memory limit of 512 MiB, beyond which it collects
// anyway). Loading the rows allocates only what stays live, so a
// collection then frees nothing: at 100,000 profiles the two or three it
// would run cost about 100 ms before the first frame.
func pauseGC() (restore func()) {
	limit := debug.SetMemoryLimit(512 << 20)
	pct := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}

// Details is what the first screen goes without: the time left on cached
// sessions (asked only of the profiles the cache holds a session for).
func (b *uiBackend) Details() (map[string]ui.RowDetail, error) {
	b.mu.Lock()
	rows := b.rows
	b.mu.Unlock()
	now := b.now()
	out := map[string]ui.RowDetail{}
	for name, left := range b.cachedLeft(rows) {
		out[name] = ui.RowDetail{CachedUntil: now.Add(left)}
	}
	return out, nil
}

// WriteName is the credentials-file section suggested for profile's
// session: its own name when that can be written, else NAME-session.
func (b *uiBackend) WriteName(profile string) string {
	st, err := b.state(profile, profile+"-session")
	if err != nil {
		return profile
	}
	return defaultWriteName(st.cfg, profile)
}

// Plan is the profile's plan with --duration applied.
func (b *uiBackend) Plan(profile string) (*profiles.Plan, error) {
	st, err := b.state(profile)
	if err != nil {
		return nil, err
	}
	return st.cfg.Plan(profile, st.opt.PlanOptions())
}

// NeedsMFA asks the engine whether a code must be typed now.
func (b *uiBackend) NeedsMFA(profile string) (string, bool, error) {
	st, err := b.state(profile)
	if err != nil {
		return "", false, err
	}
	return st.eng.NeedsMFACode(profile, st.opt)
}

// Assume runs the engine, turning its step events into the UI's.
func (b *uiBackend) Assume(ctx context.Context, req ui.AssumeRequest) (*creds.Session, error) {
	st, err := b.state(req.Profile)
	if err != nil {
		return nil, err
	}
	opt := st.opt
	if req.MFACode != "" {
		opt.MFACode = req.MFACode
	}
	opt.ForceRefresh = req.Refresh
	if req.OnStep != nil {
		opt.OnStep = func(ev creds.StepEvent) {
			req.OnStep(ui.StepEvent{Index: ev.Index, Done: ev.Done, Cached: ev.Cached, Err: ev.Err})
		}
	}
	return st.eng.Assume(ctx, req.Profile, opt)
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
	st, err := b.state(s.Profile, name, s.Profile+"-session")
	if err != nil {
		return "", err
	}
	if err := checkWriteTarget(st.cfg, s.Profile, name, false); err != nil {
		return "", err
	}
	f := creds.CredentialsFile{Path: b.credsPath, Now: b.now}
	if err := f.WriteSection(name, s.Credentials, s.Region); err != nil {
		return "", err
	}
	return b.credsPath, nil
}

// Login runs the SSO login of profile's source (the browser flow), with
// the URL shown by the model.
func (b *uiBackend) Login(ctx context.Context, profile string, show func(url, code string)) error {
	if b.login == nil {
		return errors.New("this backend cannot log in")
	}
	l, err := b.login(ctx, profile)
	if err != nil {
		return err
	}
	l.Show = show
	if _, ok, err := l.Refresh(ctx); ok && err == nil {
		return nil
	}
	_, err = l.Run(ctx)
	return err
}

// Identity asks STS who s is, through the engine of its profile.
func (b *uiBackend) Identity(ctx context.Context, s *creds.Session) (creds.Identity, error) {
	st, err := b.state(s.Profile)
	if err != nil {
		return creds.Identity{}, err
	}
	return st.eng.CallerIdentity(ctx, s.Credentials, s.Region)
}

// ConsoleURL signs s in to the console of its partition.
func (b *uiBackend) ConsoleURL(ctx context.Context, s *creds.Session) (string, error) {
	endpoint, dest := b.federation(s.Region)
	return creds.SessionConsoleURL(ctx, b.consoleHTTP, endpoint, s, dest, "switcher")
}
