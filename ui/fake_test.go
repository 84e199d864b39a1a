package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fakeBackend is an in-memory Backend that records what it was asked.
type fakeBackend struct {
	mu        sync.Mutex
	rows      []Row
	rowsErr   error
	plans     map[string]*profiles.Plan
	serials   map[string]string // profile → serial when a code is needed
	assumeErr map[string]error
	block     chan struct{} // when set, Assume waits for it or ctx
	now       time.Time
	calls     []string
	exportErr error
	writeErr  error
	url       string
	rowsCalls int
	mfaLife   time.Duration // of the MFA session; 0: 12h
	// details arrive after the first frame (Details).
	firstRows    int // when set, Rows gives only so many and a Rest
	identityErr  error
	loginErr     error
	details      map[string]RowDetail
	detailsCalls int
	detailsErr   error
	writeNames   map[string]string
}

func newFake() *fakeBackend {
	mfa := "arn:aws:iam::111111111111:mfa/alice"
	return &fakeBackend{
		now: t0,
		rows: []Row{
			{Name: "default", Region: "eu-west-1"},
			{Name: "dev", Account: "111111111111", Role: "developer", Region: "eu-west-1", IsRole: true},
			{Name: "prod", Account: "222222222222", Role: "admin", Region: "us-east-1", MFASerial: mfa, IsRole: true},
			{Name: "prod-readonly", Account: "222222222222", Role: "readonly", Region: "us-east-1", MFASerial: mfa, IsRole: true},
			{Name: "broken", IsRole: true, Problem: `source_profile "nope" does not exist (config:12)`},
		},
		plans: map[string]*profiles.Plan{
			"dev":           planFor("dev", false, 0),
			"prod":          planFor("prod", true, 7200),
			"prod-readonly": planFor("prod-readonly", true, 0),
			"default":       {Chain: &profiles.Chain{Target: "default"}},
		},
		serials:    map[string]string{"prod": mfa, "prod-readonly": mfa},
		details:    map[string]RowDetail{"dev": {CachedUntil: t0.Add(42 * time.Minute)}},
		writeNames: map[string]string{"dev": "dev-session"},
		url:        "https://signin.aws.amazon.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&Issuer=switcher&SigninToken=FAKETOKEN",
	}
}

// planFor builds a plan: with mfa, GetSessionToken then a chained hop
// through ops; asked is the final hop's duration_seconds.
func planFor(profile string, mfa bool, asked int) *profiles.Plan {
	p := &profiles.Plan{Chain: &profiles.Chain{Target: profile}}
	if !mfa {
		p.Steps = []profiles.Step{{Kind: profiles.StepAssumeRole, Hop: 0, Profile: profile,
			RoleARN: "arn:aws:iam::111111111111:role/developer", SignedBy: "static keys of alice",
			GrantedSeconds: 3600}}
		return p
	}
	p.MFA = profiles.MFASession
	p.MFASerial = profiles.Value{Value: "arn:aws:iam::111111111111:mfa/alice"}
	granted := 3600
	step := profiles.Step{Kind: profiles.StepAssumeRole, Hop: 1, Profile: profile,
		RoleARN: "arn:aws:iam::222222222222:role/admin", SignedBy: "role session of ops", Chained: true,
		RequestedSeconds: asked, GrantedSeconds: granted, Capped: asked > 3600,
		DurationPos: profiles.Pos{File: "config", Line: 14}}
	p.Steps = []profiles.Step{
		{Kind: profiles.StepGetSessionToken, Hop: -1, Profile: "alice", SignedBy: "static keys of alice",
			MFASerial: "arn:aws:iam::111111111111:mfa/alice", GrantedSeconds: 43200},
		{Kind: profiles.StepAssumeRole, Hop: 0, Profile: "ops", RoleARN: "arn:aws:iam::111111111111:role/ops",
			SignedBy: "MFA session of alice", Chained: true, GrantedSeconds: 3600},
		step,
	}
	return p
}

func (f *fakeBackend) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBackend) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) Rows() (RowsPage, error) {
	f.mu.Lock()
	f.rowsCalls++
	f.mu.Unlock()
	if f.rowsErr != nil {
		return RowsPage{}, f.rowsErr
	}
	rows := append([]Row(nil), f.rows...)
	if f.firstRows > 0 && f.firstRows < len(rows) {
		return RowsPage{Rows: rows[:f.firstRows], Total: len(rows), Rest: func() ([]Row, error) { return rows, nil }}, nil
	}
	return RowsPage{Rows: rows, Total: len(rows)}, nil
}

func (f *fakeBackend) Details() (map[string]RowDetail, error) {
	f.mu.Lock()
	f.detailsCalls++
	f.mu.Unlock()
	return f.details, f.detailsErr
}

func (f *fakeBackend) WriteName(profile string) string {
	if n, ok := f.writeNames[profile]; ok {
		return n
	}
	return profile
}

func (f *fakeBackend) Plan(name string) (*profiles.Plan, error) {
	p, ok := f.plans[name]
	if !ok {
		return nil, fmt.Errorf("profile %q: %w", name, errUnknown)
	}
	return p, nil
}

var errUnknown = errors.New("unknown profile")

func (f *fakeBackend) NeedsMFA(name string) (string, bool, error) {
	s, ok := f.serials[name]
	return s, ok, nil
}

func (f *fakeBackend) Assume(ctx context.Context, req AssumeRequest) (*creds.Session, error) {
	f.record("assume %s code=%q refresh=%v", req.Profile, req.MFACode, req.Refresh)
	if req.OnStep == nil { // an automatic refresh reports no steps
		req.OnStep = func(StepEvent) {}
	}
	plan := f.plans[req.Profile]
	for i := range plan.Steps {
		req.OnStep(StepEvent{Index: i})
		if f.block != nil {
			select {
			case <-f.block:
			case <-ctx.Done():
				err := fmt.Errorf("assuming %s: %w", req.Profile, ctx.Err())
				req.OnStep(StepEvent{Index: i, Done: true, Err: err})
				return nil, err
			}
		}
		if err := f.assumeErr[req.Profile]; err != nil && i == len(plan.Steps)-1 {
			req.OnStep(StepEvent{Index: i, Done: true, Err: err})
			return nil, err
		}
		req.OnStep(StepEvent{Index: i, Done: true, Cached: i == 0 && req.Refresh})
	}
	s := &creds.Session{
		Profile: req.Profile,
		Credentials: creds.Credentials{AccessKeyID: "ASIAFAKEFAKEFAKE" + req.Profile, SecretAccessKey: "fake-secret",
			SessionToken: "fake-token", Expiration: f.now.Add(time.Hour)},
		Region:    "us-east-1",
		RoleARN:   "arn:aws:iam::222222222222:role/admin",
		AccountID: "222222222222",
	}
	for _, r := range f.rows {
		switch {
		case r.Name == req.Profile && r.Role == "": // static keys: no role, no account in the session
			s.Region, s.AccountID, s.RoleARN = r.Region, "", ""
		case r.Name == req.Profile:
			s.Region, s.AccountID = r.Region, r.Account
			s.RoleARN = "arn:aws:iam::" + r.Account + ":role/" + r.Role
			s.AssumedRoleARN = "arn:aws:sts::" + r.Account + ":assumed-role/" + r.Role + "/switcher-alice"
		}
	}
	if plan.MFA != profiles.MFANone {
		life := f.mfaLife
		if life == 0 {
			life = 12 * time.Hour
		}
		s.MFAExpiration = f.now.Add(life)
	}
	return s, nil
}

func (f *fakeBackend) Exports(s *creds.Session) (string, error) {
	f.record("exports %s", s.Profile)
	if f.exportErr != nil {
		return "", f.exportErr
	}
	return "export AWS_ACCESS_KEY_ID=" + s.AccessKeyID + "\nexport SWITCHER_PROFILE=" + s.Profile + "\n", nil
}

func (f *fakeBackend) Write(s *creds.Session, name string) (string, error) {
	f.record("write %s as %s", s.Profile, name)
	if f.writeErr != nil {
		return "", f.writeErr
	}
	return "/home/alice/.aws/credentials", nil
}

func (f *fakeBackend) Identity(_ context.Context, s *creds.Session) (creds.Identity, error) {
	f.record("identity %s", s.Profile)
	if f.identityErr != nil {
		return creds.Identity{}, f.identityErr
	}
	return creds.Identity{Account: "111111111111", ARN: "arn:aws:iam::111111111111:user/alice"}, nil
}

func (f *fakeBackend) Login(_ context.Context, profile string, show func(url, code string)) error {
	f.record("login %s", profile)
	show("https://sso.example/authorize", "")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loginErr != nil {
		return f.loginErr
	}
	delete(f.assumeErr, profile) // logged in: the profile works now
	return nil
}

func (f *fakeBackend) ConsoleURL(ctx context.Context, s *creds.Session) (string, error) {
	f.record("console %s", s.Profile)
	return f.url, nil
}

// testModel is a loaded model at 80×24 with colours off and a fixed clock.
func testModel(t *testing.T, f *fakeBackend) Model {
	t.Helper()
	m := unloaded(t, f)
	return drive(t, m, loadCmd(f)())
}

// unloaded is testModel before the rows arrive.
func unloaded(t *testing.T, f *fakeBackend) Model {
	t.Helper()
	return New(Options{
		Backend:      f,
		Now:          func() time.Time { return t0 },
		NoColor:      true,
		History:      creds.UsageHistory{Path: t.TempDir() + "/history.json", Now: func() time.Time { return t0 }},
		TickInterval: time.Millisecond,
	})
}

// drive sends msg to m and runs the commands it returns, feeding their
// messages back, until nothing is left. Clock and spinner ticks are run
// but not fed back, so the loop ends.
func drive(t *testing.T, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	for _, msg := range msgs {
		m = settle(m, msg)
	}
	return m
}

// settle delivers one message and everything its commands produce.
func settle(m Model, first tea.Msg) Model {
	queue := []tea.Msg{first}
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		if msg == nil {
			continue
		}
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				queue = append(queue, run(c)...)
			}
			continue
		}
		next, cmd := m.Update(msg)
		m = next.(Model)
		queue = append(queue, run(cmd)...)
	}
	return m
}

// run executes cmd, dropping ticks and quit.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tickMsg, spinner.TickMsg, tea.QuitMsg:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, run(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// keys turns a string into key presses: each rune, or a named key in <>.
func keys(s string) []tea.Msg {
	var out []tea.Msg
	for len(s) > 0 {
		if s[0] == '<' {
			end := 1
			for end < len(s) && s[end] != '>' {
				end++
			}
			out = append(out, namedKey(s[1:end]))
			s = s[end+1:]
			continue
		}
		r := []rune(s)[0]
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
		s = s[len(string(r)):]
	}
	return out
}

func namedKey(name string) tea.Msg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	}
	panic("unknown key " + name)
}

func names(rows []Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out
}
