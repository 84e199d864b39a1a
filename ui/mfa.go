package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// mfaPrompt asks for a 6-digit code, masked, checked as it is typed.
type mfaPrompt struct {
	profile string
	serial  string
	input   textinput.Model
	note    string
}

const codeLen = 6

func newMFAPrompt(profile, serial string) mfaPrompt {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = codeLen
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.SetVirtualCursor(false)
	in.Focus()
	return mfaPrompt{profile: profile, serial: serial, input: in}
}

// mfaEnteredMsg carries a complete, well-formed code.
type mfaEnteredMsg struct{ profile, code string }

// backMsg asks the root to leave the current screen.
type backMsg struct{}

func (p mfaPrompt) update(msg tea.Msg, k KeyMap) (mfaPrompt, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if pm, ok := msg.(tea.PasteMsg); ok && !allDigits(strings.TrimSpace(pm.Content)) {
			p.note = "the code is digits only"
			return p, nil
		}
		var cmd tea.Cmd
		p.input, cmd = p.input.Update(msg)
		return p, cmd
	}
	p.note = ""
	switch {
	case key.Matches(km, k.Back):
		return p, func() tea.Msg { return backMsg{} }
	case key.Matches(km, k.Submit):
		code := p.input.Value()
		if len(code) != codeLen {
			p.note = "the code has 6 digits"
			return p, nil
		}
		prof := p.profile
		return p, func() tea.Msg { return mfaEnteredMsg{profile: prof, code: code} }
	}
	if km.Text != "" && !allDigits(km.Text) {
		p.note = "the code is digits only"
		return p, nil
	}
	if km.Text != "" && len(p.input.Value()) >= codeLen {
		p.note = "the code has 6 digits; enter to continue"
		return p, nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return p, cmd
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// view draws the prompt; the cursor column of the input line is returned
// so the root can place the real cursor.
func (p mfaPrompt) view(st Styles) (string, int, int) {
	var b strings.Builder
	b.WriteString(st.Label.Render("MFA code for "+p.profile) + "\n")
	b.WriteString(st.Dim.Render("device  ") + p.serial + "\n\n")
	masked := strings.Repeat("•", len(p.input.Value()))
	slots := strings.Repeat("_", codeLen-len(p.input.Value()))
	line := "code    " + masked + st.Dim.Render(slots)
	b.WriteString(line + "\n\n")
	if p.note != "" {
		b.WriteString(st.Warn.Render(p.note))
	} else {
		b.WriteString(st.Dim.Render("type the 6 digits from your authenticator, then enter"))
	}
	return b.String(), 3, len("code    ") + len(p.input.Value())
}
