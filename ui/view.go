package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// View draws the current screen to fit the window: a title, the screen's
// body, and the help line from the keymap at the bottom.
func (m Model) View() tea.View {
	if m.quitting {
		return tea.NewView("")
	}
	st := m.styles
	var top []string
	if m.banner != "" {
		// wrapped, never cut: the demo's MFA code is in it
		for _, l := range strings.Split(wrap(m.banner, m.width), "\n") {
			top = append(top, st.Banner.Render(l))
		}
	}
	title, right := m.title()
	line := st.Title.Render("switcher") + " · " + title
	if right != "" {
		gap := m.width - lipWidth("switcher · "+title) - lipWidth(right)
		if gap >= 2 {
			line += strings.Repeat(" ", gap) + st.Dim.Render(right)
		}
	}
	top = append(top, line, "")

	bodyHeight := max(0, m.height-len(top)-1)
	body, cursor := m.body(bodyHeight)
	helpLine := m.help.View(m.screenKeys())

	body = fit(body, m.width, bodyHeight)
	if n := strings.Count(body, "\n") + 1; n < bodyHeight {
		body += strings.Repeat("\n", bodyHeight-n)
	}
	content := strings.Join(top, "\n") + "\n" + body + "\n" + helpLine
	v := tea.NewView(fit(content, m.width, m.height))
	v.AltScreen = true
	v.WindowTitle = "switcher"
	if cursor != nil {
		cursor.Y += len(top)
		v.Cursor = cursor
	}
	return v
}

func lipWidth(s string) int { return ansi.StringWidth(s) }

// title is the title line's text and its right-hand side.
func (m Model) title() (string, string) {
	switch m.screen {
	case screenLoading:
		return "loading profiles…", ""
	case screenPicker:
		return "pick a profile", fmt.Sprintf("%d/%d", m.picker.count(), m.picker.all())
	case screenMFA:
		return m.mfa.profile, ""
	case screenAssuming:
		return m.assuming.profile, ""
	case screenDashboard:
		right := ""
		if n := len(m.dash.entries); n > 1 {
			right = fmt.Sprintf("%d sessions", n)
		}
		return m.dash.current().session.Profile, right
	case screenError:
		return "error", ""
	}
	return "", ""
}

// body is the current screen without title and help, in height lines.
func (m Model) body(height int) (string, *tea.Cursor) {
	st := m.styles
	switch m.screen {
	case screenPicker:
		p := m.picker
		filter := "> " + p.filter.Value()
		if p.filter.Value() == "" {
			filter = "> " + st.Dim.Render(p.filter.Placeholder)
		}
		cur := tea.NewCursor(2+p.filter.Position(), 0)
		var note string
		if r, ok := p.current(); ok && r.Problem != "" && p.note == "" {
			note = st.Problem.Render(r.Name + ": " + r.Problem)
		} else if p.note != "" {
			note = st.Warn.Render(p.note)
		}
		list := p.listView(m.width, m.now, st)
		// pad the list so the note sits right above the help line
		if n := strings.Count(list, "\n") + 1; n < p.height+1 {
			list += strings.Repeat("\n", p.height+1-n)
		}
		return filter + "\n" + list + "\n" + note, cur
	case screenMFA:
		s, y, x := m.mfa.view(st)
		return s, tea.NewCursor(x, y)
	case screenAssuming:
		return m.assuming.view(st) + "\n" + st.Dim.Render("esc cancels"), nil
	case screenDashboard:
		return m.dash.view(m.width, height, m.now, st)
	case screenError:
		var b strings.Builder
		b.WriteString(st.Error.Render(m.failure.title) + "\n\n")
		b.WriteString(wrap(m.failure.err.Error(), m.width-2) + "\n\n")
		switch f := m.failure; {
		case f.loggingIn && f.loginURL != "":
			b.WriteString(wrap("Waiting for the sign-in in your browser. If none opened, open "+f.loginURL, m.width-2) + "\n")
			if f.loginCode != "" {
				b.WriteString("and check that it shows the code " + f.loginCode + "\n")
			}
			b.WriteString("\n")
		case f.loggingIn:
			b.WriteString("Logging in…\n\n")
		case f.login != "":
			b.WriteString(st.Label.Render("l") + " logs in to IAM Identity Center (opens the browser), then assumes " + f.login + "\n\n")
		}
		if m.failure.back == screenError {
			b.WriteString(st.Dim.Render("esc or q quits"))
		} else {
			b.WriteString(st.Dim.Render("esc goes back"))
		}
		return b.String(), nil
	}
	return "", nil
}
