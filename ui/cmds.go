package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"
	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// rowsMsg carries the profiles and the usage history.
type rowsMsg struct {
	rows    []Row
	hist    map[string]Usage
	err     error
	histErr error
}

// loadCmd reads the profiles and the history.
func loadCmd(b Backend, h HistoryStore) tea.Cmd {
	return func() tea.Msg {
		rows, err := b.Rows()
		if err != nil {
			return rowsMsg{err: err}
		}
		hist, herr := h.Load()
		if herr != nil {
			hist = map[string]Usage{}
		}
		return rowsMsg{rows: rows, hist: hist, histErr: herr}
	}
}

// preparedMsg says what assuming profile will take.
type preparedMsg struct {
	profile string
	plan    *profiles.Plan
	serial  string
	need    bool
	refresh bool
	err     error
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
		return preparedMsg{profile: profile, plan: plan, serial: serial, need: need, refresh: refresh}
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
