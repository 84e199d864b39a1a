package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// rowsMsg carries the profiles: what the first frame needs. With rest,
// rows are the first total, and rest reads them all.
type rowsMsg struct {
	rows  []Row
	total int
	rest  func() ([]Row, error)
	err   error
}

// loadCmd reads the profiles.
func loadCmd(b Backend) tea.Cmd {
	return func() tea.Msg {
		page, err := b.Rows()
		if err != nil {
			return rowsMsg{err: err}
		}
		if page.Rest == nil {
			return rowsMsg{rows: page.Rows, total: len(page.Rows)}
		}
		return rowsMsg{rows: page.Rows, total: page.Total, rest: page.Rest}
	}
}

// restCmd reads every row after the first frame showed the first ones.
func restCmd(rest func() ([]Row, error)) tea.Cmd {
	return func() tea.Msg {
		rows, err := rest()
		if err != nil {
			return rowsMsg{err: err}
		}
		return rowsMsg{rows: rows, total: len(rows)}
	}
}

// detailsMsg is what the picker learns after the first frame.
type detailsMsg struct {
	details map[string]RowDetail
	err     error
}

func detailsCmd(b Backend) tea.Cmd {
	return func() tea.Msg {
		d, err := b.Details()
		return detailsMsg{details: d, err: err}
	}
}

// historyMsg carries the usage history, which orders the picker.
type historyMsg struct {
	hist map[string]Usage
	err  error
}

func historyCmd(h HistoryStore) tea.Cmd {
	return func() tea.Msg {
		hist, err := h.Load()
		if err != nil {
			hist = map[string]Usage{}
		}
		return historyMsg{hist: hist, err: err}
	}
}

// identityMsg says who a dashboard session is, for one without an
// assumed-role ARN.
type identityMsg struct {
	accessKeyID string // of the session asked about
	id          creds.Identity
	err         error
}

func identityCmd(ctx context.Context, b Backend, s *creds.Session) tea.Cmd {
	if s == nil || s.AccountID != "" {
		return nil
	}
	return func() tea.Msg {
		id, err := b.Identity(ctx, s)
		return identityMsg{accessKeyID: s.AccessKeyID, id: id, err: err}
	}
}

// loginShownMsg gives the URL (and code) of a login under way; next
// carries the rest.
type loginShownMsg struct {
	url, code string
	next      chan tea.Msg
}

// loginDoneMsg ends a login.
type loginDoneMsg struct {
	profile string
	err     error
}

// loginCmd runs the SSO login of profile, telling the model the URL to
// open as soon as it is known.
func loginCmd(ctx context.Context, b Backend, profile string) tea.Cmd {
	ch := make(chan tea.Msg, 4)
	go func() {
		err := b.Login(ctx, profile, func(u, code string) { ch <- loginShownMsg{url: u, code: code} })
		ch <- loginDoneMsg{profile: profile, err: err}
		close(ch)
	}()
	return listenLogin(ch)
}

func listenLogin(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		if s, ok := msg.(loginShownMsg); ok {
			s.next = ch
			return s
		}
		return msg
	}
}

// searchMsg is what the filter searches, built for rows in the background
// so that the first keystroke does not wait for it.
type searchMsg struct {
	rows []Row
	idx  searchIndex
}

func searchCmd(rows []Row) tea.Cmd {
	if len(rows) == 0 {
		return nil
	}
	return func() tea.Msg { return searchMsg{rows: rows, idx: newSearchIndex(rows)} }
}

// preparedMsg says what assuming profile will take.
type preparedMsg struct {
	profile   string
	plan      *profiles.Plan
	serial    string
	need      bool
	refresh   bool
	writeName string
	err       error
}

// prepareCmd plans profile and asks whether a code must be typed.
func prepareCmd(b Backend, profile string, refresh bool) tea.Cmd {
	return func() tea.Msg {
		plan, err := b.Plan(profile)
		if err != nil {
			return preparedMsg{profile: profile, refresh: refresh, err: err}
		}
		serial, need, err := b.NeedsMFA(profile)
		if err != nil {
			return preparedMsg{profile: profile, refresh: refresh, err: err}
		}
		return preparedMsg{profile: profile, plan: plan, serial: serial, need: need, refresh: refresh, writeName: b.WriteName(profile)}
	}
}

// historySavedMsg reports recording a use in the history.
type historySavedMsg struct{ err error }

func recordCmd(h HistoryStore, profile string) tea.Cmd {
	return func() tea.Msg {
		if err := h.Record(profile); err != nil {
			return historySavedMsg{err: fmt.Errorf("history not saved: %w", err)}
		}
		return historySavedMsg{}
	}
}

// exportsMsg carries the shell statements for a session.
type exportsMsg struct {
	text string
	err  error
}

func exportsCmd(b Backend, s *creds.Session) tea.Cmd {
	return func() tea.Msg {
		text, err := b.Exports(s)
		if err != nil {
			return exportsMsg{err: fmt.Errorf("exports for %s: %w", s.Profile, err)}
		}
		return exportsMsg{text: text}
	}
}

// writtenMsg reports writing a credentials-file section.
type writtenMsg struct {
	name, where string
	err         error
}

func writeCmd(b Backend, s *creds.Session, name string) tea.Cmd {
	return func() tea.Msg {
		where, err := b.Write(s, name)
		if err != nil {
			return writtenMsg{name: name, err: fmt.Errorf("writing [%s]: %w", name, err)}
		}
		return writtenMsg{name: name, where: where}
	}
}

// consoleMsg carries a console sign-in URL.
type consoleMsg struct {
	url string
	err error
}

func consoleCmd(ctx context.Context, b Backend, s *creds.Session) tea.Cmd {
	return func() tea.Msg {
		u, err := b.ConsoleURL(ctx, s)
		if err != nil {
			return consoleMsg{err: fmt.Errorf("console sign-in for %s: %w", s.Profile, err)}
		}
		return consoleMsg{url: u}
	}
}

// autoRefreshCmd refreshes profile in the background, staying on the
// dashboard (the refresh key goes through the assuming screen instead).
func autoRefreshCmd(ctx context.Context, b Backend, profile string) tea.Cmd {
	return func() tea.Msg {
		s, err := b.Assume(ctx, AssumeRequest{Profile: profile, Refresh: true})
		return autoRefreshedMsg{profile: profile, session: s, err: err}
	}
}
