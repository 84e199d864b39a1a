// Package ui owns switcher's terminal interface: a fuzzy picker over the
// profiles, an MFA prompt, the assuming screen with the plan's steps ticking
// off, and a dashboard that counts down to each session's expiry.
//
// It is built on Bubble Tea v2 and knows nothing of STS or the SDK: every
// effect goes through the narrow Backend interface declared here, which
// main.go implements with the profiles and creds packages.
//
//	m := ui.New(ui.Options{Backend: b, Now: time.Now, History: creds.UsageHistory{Path: p, Now: time.Now}})
//	final, err := tea.NewProgram(m, tea.WithInput(tty), tea.WithOutput(tty)).Run()
package ui

import (
	"context"
	"time"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// Backend is everything the UI needs from the rest of switcher. Every call
// may do I/O; the model only makes them inside tea.Cmds.
type Backend interface {
	// Rows lists the profiles to pick from, in config order, with what
	// the first screen needs: it is called before the first frame, and
	// for a long list it may give only the first rows (see RowsPage).
	Rows() (RowsPage, error)
	// Details is what the picker adds after the first frame, by profile
	// name: the cached sessions.
	Details() (map[string]RowDetail, error)
	// WriteName is the credentials-file section the dashboard's write key
	// suggests for profile's session.
	WriteName(profile string) string
	// Plan is the list of STS calls assuming profile takes.
	Plan(profile string) (*profiles.Plan, error)
	// NeedsMFA reports whether assuming profile needs a code typed now: the
	// plan carries an MFA serial and no cached MFA session covers it.
	NeedsMFA(profile string) (serial string, need bool, err error)
	// Assume runs the plan, calling req.OnStep as steps start and end.
	Assume(ctx context.Context, req AssumeRequest) (*creds.Session, error)
	// Exports renders the shell statements that switch a shell to s.
	Exports(s *creds.Session) (string, error)
	// Write stores s as section name of the shared credentials file and
	// says where it went.
	Write(s *creds.Session, name string) (where string, err error)
	// ConsoleURL is the AWS console sign-in URL for s.
	ConsoleURL(ctx context.Context, s *creds.Session) (string, error)
	// Identity asks STS who s is (GetCallerIdentity): the dashboard's
	// account and identity for sessions that do not say (static keys,
	// credential_process, SSO).
	Identity(ctx context.Context, s *creds.Session) (creds.Identity, error)
	// Login runs the IAM Identity Center login profile needs (opening the
	// browser), calling show with the URL (and code) to open.
	Login(ctx context.Context, profile string, show func(url, code string)) error
}

// Row is one profile as the picker shows it.
type Row struct {
	Name      string
	Account   string // from the final role_arn; "" when unknown
	Role      string // the final role's name; "" for a profile without a role
	Region    string
	MFASerial string
	IsRole    bool
	// CachedUntil is when a cached session for the profile expires (zero
	// when none is cached).
	CachedUntil time.Time
	// Problem is why the profile cannot be assumed; a row with a problem
	// is shown with it and cannot be picked.
	Problem string
}

// RowsPage is what Rows gives: every row, or for a long list the first
// rows (enough for any screen), how many there are, and Rest, which the
// model calls after the first frame for all of them.
type RowsPage struct {
	Rows  []Row
	Total int                   // len(Rows) when Rest is nil
	Rest  func() ([]Row, error) // every row, Rows first; nil when Rows are all
}

// RowDetail is what Details knows of a profile beyond its Row.
type RowDetail struct {
	CachedUntil time.Time
}

// AssumeRequest asks the backend for a session.
type AssumeRequest struct {
	Profile string
	// MFACode is the code typed in the prompt; "" when the backend needs
	// none (cached MFA session, mfa_process, no MFA).
	MFACode string
	// Refresh ignores a cached role session (the dashboard's refresh key);
	// a live MFA session is still reused.
	Refresh bool
	// OnStep is called from the backend's goroutine as plan steps start and
	// finish.
	OnStep func(StepEvent)
}

// StepEvent reports progress on step Index of the plan.
type StepEvent struct {
	Index  int
	Done   bool // false: the call started
	Cached bool // satisfied from the cache, no call made
	Err    error
}
