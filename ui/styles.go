package ui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles holds every colour and emphasis the views use. Colours are the 16
// ANSI ones, which the terminal's theme keeps readable on light and dark
// backgrounds. With colours off every style is plain, so the views are
// plain text.
type Styles struct {
	Title    lipgloss.Style
	Banner   lipgloss.Style
	Header   lipgloss.Style
	Dim      lipgloss.Style
	Selected lipgloss.Style
	Match    lipgloss.Style
	Label    lipgloss.Style
	Problem  lipgloss.Style
	Error    lipgloss.Style
	Warn     lipgloss.Style
	OK       lipgloss.Style // countdown ≥ 15 min, finished steps
	Soon     lipgloss.Style // countdown < 15 min
	Urgent   lipgloss.Style // countdown < 5 min, expired
	Help     help.Styles
}

// NewStyles builds the styles; noColor (NO_COLOR set, or a test) turns all
// of them off.
func NewStyles(noColor bool) Styles {
	if noColor {
		p := lipgloss.NewStyle()
		return Styles{
			Title: p, Banner: p, Header: p, Dim: p, Selected: p, Match: p, Label: p,
			Problem: p, Error: p, Warn: p, OK: p, Soon: p, Urgent: p,
			Help: help.Styles{
				Ellipsis: p, ShortKey: p, ShortDesc: p, ShortSeparator: p,
				FullKey: p, FullDesc: p, FullSeparator: p,
			},
		}
	}
	s := lipgloss.NewStyle()
	return Styles{
		Title:    s.Bold(true).Foreground(lipgloss.Magenta),
		Banner:   s.Bold(true).Foreground(lipgloss.Cyan),
		Header:   s.Bold(true).Underline(true),
		Dim:      s.Faint(true),
		Selected: s.Bold(true).Foreground(lipgloss.Blue),
		Match:    s.Underline(true).Foreground(lipgloss.Magenta),
		Label:    s.Bold(true),
		Problem:  s.Foreground(lipgloss.Red).Faint(true),
		Error:    s.Bold(true).Foreground(lipgloss.Red),
		Warn:     s.Foreground(lipgloss.Yellow),
		OK:       s.Foreground(lipgloss.Green),
		Soon:     s.Bold(true).Foreground(lipgloss.Yellow),
		Urgent:   s.Bold(true).Foreground(lipgloss.Red),
		Help: help.Styles{
			Ellipsis:       s.Faint(true),
			ShortKey:       s.Bold(true),
			ShortDesc:      s.Faint(true),
			ShortSeparator: s.Faint(true),
			FullKey:        s.Bold(true),
			FullDesc:       s.Faint(true),
			FullSeparator:  s.Faint(true),
		},
	}
}
